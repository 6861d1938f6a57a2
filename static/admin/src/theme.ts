/**
 * Atlassian design tokens for light and dark, as the CSS the tokens package generates; the
 * `data-theme` and `data-color-mode` attributes on <html> pick the values. In Jira, Forge sets the
 * colour mode (`view.theme.enable()`); elsewhere the page follows `?theme=` or the system setting.
 */
import darkTheme from '@atlaskit/tokens/dist/esm/artifacts/themes/atlassian-dark.js';
import lightTheme from '@atlaskit/tokens/dist/esm/artifacts/themes/atlassian-light.js';
import shapeTheme from '@atlaskit/tokens/dist/esm/artifacts/themes/atlassian-shape.js';
import spacingTheme from '@atlaskit/tokens/dist/esm/artifacts/themes/atlassian-spacing.js';
import typographyTheme from '@atlaskit/tokens/dist/esm/artifacts/themes/atlassian-typography.js';
import { enableTheming } from './api';

export type ColorMode = 'light' | 'dark';

function injectTokens(): void {
  if (document.getElementById('ds-tokens') !== null) return;
  const style = document.createElement('style');
  style.id = 'ds-tokens';
  style.textContent = [lightTheme, darkTheme, spacingTheme, typographyTheme, shapeTheme].join('\n');
  document.head.prepend(style);
}

export function applyColorMode(mode: ColorMode): void {
  const html = document.documentElement;
  html.dataset.theme = 'dark:dark light:light spacing:spacing typography:typography shape:shape';
  html.dataset.colorMode = mode;
  html.style.colorScheme = mode;
}

export async function setUpTheme(): Promise<ColorMode> {
  injectTokens();
  const requested = new URLSearchParams(window.location.search).get('theme');
  try {
    // Never let the page wait on the host for long: without an answer it follows the system setting.
    await Promise.race([enableTheming(), new Promise((resolve) => setTimeout(resolve, 1500))]);
  } catch {
    // Outside Forge there is nothing to enable; the fallbacks below apply.
  }
  const fromHost = document.documentElement.dataset.colorMode;
  const system: ColorMode = window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  const mode: ColorMode = requested === 'dark' || requested === 'light' ? requested : fromHost === 'dark' || fromHost === 'light' ? fromHost : system;
  applyColorMode(mode);
  return mode;
}
