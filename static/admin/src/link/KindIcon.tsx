import { REMOTE_PRESETS, type RemoteKind } from '../../../../contract';

const KIND_ABBREVIATIONS: Record<RemoteKind, string> = {
  jira: 'JI',
  confluence: 'CF',
  bitbucket: 'BB',
  bamboo: 'BA',
  crowd: 'CR',
  'atlassian-cloud': 'AC',
  'bitbucket-cloud': 'BC',
  google: 'G',
  microsoft: 'MS',
  custom: 'C',
};

/** The remote's product as a two-letter badge, named for screen readers. */
export function KindIcon({ kind }: { kind: RemoteKind }) {
  return (
    <span className="kind-icon" role="img" aria-label={REMOTE_PRESETS[kind].label} title={REMOTE_PRESETS[kind].label}>
      {KIND_ABBREVIATIONS[kind]}
    </span>
  );
}
