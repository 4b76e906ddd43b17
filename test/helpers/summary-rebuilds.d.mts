/** Types of summary-rebuilds.mjs. */
export declare const REBUILDS: Record<string, { actual: string; rebuilt: string }>;
export declare const SHARED_FOLD_TABLES: Record<string, string>;
