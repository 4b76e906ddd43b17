/** Who is calling, as established from the Authorization header. */
export type Principal = { kind: 'admin' } | { kind: 'user'; userId: number; username: string; tokenId: number } | { kind: 'anonymous' };

export const ANONYMOUS: Principal = { kind: 'anonymous' };
