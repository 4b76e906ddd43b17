import { DomainError, ErrorCode } from '../../common/errors.js';

/** Why a body could not be decoded at all; the route answers the whole request with its status. */
export type OtlpDecodeErrorKind = 'malformed' | 'too-large' | 'unsupported-media-type' | 'unsupported-encoding';

const CODE_OF: Record<OtlpDecodeErrorKind, ErrorCode> = {
  malformed: ErrorCode.MalformedBody, // 400
  'too-large': ErrorCode.PayloadTooLarge, // 413
  'unsupported-media-type': ErrorCode.UnsupportedMediaType, // 415
  'unsupported-encoding': ErrorCode.UnsupportedMediaType, // 415
};

/**
 * The only error the decoder throws. It is a DomainError, so a route that does not catch it still
 * answers 400, 413 or 415 through the global filter; its message is safe to send back (it names the
 * problem, quotes at most a short cut of the client's own bytes, and never a stack or library internals).
 */
export class OtlpDecodeError extends DomainError {
  constructor(
    readonly kind: OtlpDecodeErrorKind,
    message: string,
  ) {
    super(CODE_OF[kind], message);
    this.name = 'OtlpDecodeError';
  }
}
