/** Types of summary-rebuilds.mjs. */
export declare const REBUILDS: Record<string, { actual: string; rebuilt: string }>;
