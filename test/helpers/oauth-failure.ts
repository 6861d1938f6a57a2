/** What a failed simple-oauth2 call carried: simple-oauth2 rejects with a Boom error that keeps the status and the parsed body. */
export async function oauthFailure(promise: Promise<unknown>): Promise<{ status: number; body: { error: string; error_description: string } }> {
  try {
    await promise;
  } catch (error) {
    const boom = error as { output?: { statusCode: number }; data?: { payload?: unknown } };
    const payload = boom.data?.payload;
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? JSON.parse(String(payload)) : payload;
    return { status: boom.output?.statusCode ?? 0, body: body as { error: string; error_description: string } };
  }
  throw new Error('expected the OAuth 2.0 call to fail');
}
