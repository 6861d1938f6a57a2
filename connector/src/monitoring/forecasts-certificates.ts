import type { Logger } from 'pino';
import type { TestConnectionResult } from '../../../contract';
import type { Store } from '../storage/store';
import type { CheckObserver } from './seams';

/**
 * Keeps the remote's certificate expiry from every check that completed a TLS handshake,
 * scheduled or asked for by a person. A check that did not reach TLS leaves the last date read.
 */
export class CertificateRecorder implements CheckObserver {
  constructor(private readonly deps: { store: Store; logger: Logger }) {}

  async observed(linkId: string, result: TestConnectionResult, at: Date): Promise<void> {
    const tls = result.stages.find((stage) => stage.stage === 'tls');
    if (tls?.certificateValidTo === undefined) return;
    try {
      const link = await this.deps.store.links.get(linkId);
      if (link === undefined) return;
      await this.deps.store.monitoring.recordCertificate({
        linkId,
        host: new URL(link.applicationUrl).host,
        validTo: new Date(tls.certificateValidTo).toISOString(),
        observedAt: at.toISOString(),
      });
    } catch (error) {
      // A forecast is worth less than the check that fed it: the check's result stands.
      this.deps.logger.warn({ err: error, linkId }, 'could not record the certificate expiry read by a check');
    }
  }
}
