/**
 * The app's Custom UI modules the preview can show, each in a frame like the Jira page that holds
 * it. One build serves them all: the page reads its module key from the bridge's context and
 * shows that surface (static/admin/src/surfaces.tsx). Add a module here and there together.
 */
export interface PreviewSurface {
  /** The manifest module key. */
  moduleKey: string;
  /** The manifest module type, as `view.getContext().extension.type` reports it. */
  extensionType: string;
  title: string;
  /** Where Jira shows it, for the frame's breadcrumb. */
  place: string;
}

export const PREVIEW_SURFACES: readonly PreviewSurface[] = [
  { moduleKey: 'applinks-admin-page', extensionType: 'jira:adminPage', title: 'OAuth 2.0 application links', place: 'Settings › Apps' },
  { moduleKey: 'applinks-consent', extensionType: 'jira:globalPage', title: 'Approve application access', place: 'Apps' },
  { moduleKey: 'applinks-connected-accounts', extensionType: 'jira:personalSettingsPage', title: 'Connected accounts', place: 'Profile › Personal settings' },
];

/** The surface named by `moduleKey`; the admin page for a missing key, undefined for an unknown one. */
export function previewSurface(moduleKey: string | null | undefined): PreviewSurface | undefined {
  if (moduleKey === null || moduleKey === undefined || moduleKey === '') return PREVIEW_SURFACES[0];
  return PREVIEW_SURFACES.find((surface) => surface.moduleKey === moduleKey);
}
