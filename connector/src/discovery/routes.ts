import { z } from 'zod';
import {
  CONNECTOR_PATHS,
  LinkViewSchema,
  ProbeInputSchema,
  ProbeResultSchema,
  REMOTE_PRESETS,
  RelocateLinkInputSchema,
  TestConnectionResultSchema,
  type RemoteKind, LinkParamsSchema } from '../../../contract';
import { HttpError } from '../http/errors';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import type { LinkService } from '../links/service';
import { toLinkViews } from '../links/view';
import type { Store } from '../storage/store';
import type { SafeHttp } from '../outbound/safe-http';
import { probeUrl, sameBase, type ProbeTimeouts } from './probe';
import type { ConnectionTester } from './test-connection';


export const LastTestSchema = TestConnectionResultSchema.extend({ testedBy: z.string().nullable() });

export function discoveryRoutes(deps: {
  http: SafeHttp;
  links: LinkService;
  tester: ConnectionTester;
  store: Store;
  publicUrl: string;
  now: () => Date;
  probeTimeouts?: ProbeTimeouts;
}): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.probe,
      summary: 'What answers at a URL: kind, version, display URL, OAuth 2.0 support (no redirect followed)',
      tags: ['discovery'],
      auth: ['operator', 'forge'],
      body: ProbeInputSchema,
      response: { status: 200, schema: ProbeResultSchema, description: 'What the applinks manifest says, or why there is none' },
      handler: async ({ body }) => probeUrl(deps.http, body, deps.probeTimeouts),
    }),
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.test,
      summary: 'Test connection: every stage from URL to an API call, each with a code and a hint',
      tags: ['discovery'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      response: { status: 200, schema: TestConnectionResultSchema, description: 'The stages, in order' },
      handler: async ({ params, principal }) =>
        deps.tester.test(await deps.links.get(params.id), principal === null ? null : `${principal.kind}:${principal.id}`, principal?.accountId ?? undefined),
    }),
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.test,
      summary: 'The last test connection of a link, and who ran it',
      tags: ['discovery'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      response: { status: 200, schema: LastTestSchema, description: 'The last result' },
      handler: async ({ params }) => {
        await deps.links.get(params.id);
        const last = await deps.tester.lastTest(params.id);
        if (last === undefined) throw new HttpError('NOT_FOUND', 'This link has not been tested yet.');
        return { ...last.result, testedBy: last.testedBy };
      },
    }),
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.relocate,
      summary: 'The remote moved: probe the new URL, then move the link (and the endpoints that followed the old URL); `clientSecret` is required when the token endpoint moves to another origin',
      tags: ['discovery'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      body: RelocateLinkInputSchema,
      response: { status: 200, schema: LinkViewSchema, description: 'The link at its new URL' },
      handler: async ({ params, body }) => {
        const link = await deps.links.get(params.id);
        const kind = link.remoteKind as RemoteKind;
        if (REMOTE_PRESETS[kind].servesApplinksManifest) {
          const probe = await probeUrl(deps.http, { url: body.applicationUrl, kind }, deps.probeTimeouts);
          // A display URL that differs is accepted only when the admin confirms it by sending it.
          const displayConfirmed = !probe.displayUrlDiffers || (body.displayUrl != null && probe.displayUrl !== null && sameBase(body.displayUrl, probe.displayUrl));
          // An outgoing-only link uses no OAuth 2.0: the remote's version is no reason to refuse its move.
          const confirmed = displayConfirmed && (probe.code === 'DISPLAY_URL_MISMATCH' || (probe.code === 'VERSION_UNSUPPORTED' && link.authKind === 'none'));
          if (probe.code !== 'OK' && !confirmed) {
            throw new HttpError('VALIDATION_FAILED', `The link was not moved: ${probe.message} ${probe.hint}`.trim(), [{ path: 'applicationUrl', message: `${probe.code}: ${probe.message}` }]);
          }
        }
        // The probe says what answers at the new URL, not who runs it: a token endpoint that moves
        // to another origin takes the client secret only when it is entered again here (the
        // service refuses otherwise), and then the secret is stored and bound to the new origin.
        const updated = await deps.links.update(
          params.id,
          {
            applicationUrl: body.applicationUrl,
            ...(body.displayUrl === undefined ? {} : { displayUrl: body.displayUrl }),
            ...(body.clientSecret === undefined ? {} : { outgoing: { clientSecret: body.clientSecret } }),
          },
          { relocation: true },
        );
        return (await toLinkViews([updated], deps))[0]!;
      },
    }),
  ];
}
