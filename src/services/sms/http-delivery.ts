// fetch with a deadline for the SMS providers: a timeout or a network failure becomes a DeliveryError
// that names the provider and the cause, never the request body.
import { DeliveryError, type DeliveryProvider } from '../delivery-error.js';

export interface DeliveryRequest {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export async function fetchOrThrow(
  provider: DeliveryProvider,
  label: string,
  url: string,
  request: DeliveryRequest,
): Promise<Response> {
  try {
    return await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      // The deadline covers reading the answer too.
      signal: AbortSignal.timeout(request.timeoutMs),
      // A redirect would replay the body (and credentials) somewhere we did not choose.
      redirect: 'error',
    });
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      throw new DeliveryError(`${label} did not answer within ${request.timeoutMs} ms`, { provider, permanent: false });
    }
    // undici reports "fetch failed" with the socket error (ECONNREFUSED, ENOTFOUND…) as the cause.
    const cause = err.cause?.code ?? err.name;
    throw new DeliveryError(`${label} request failed (${cause})`, { provider, permanent: false });
  }
}
