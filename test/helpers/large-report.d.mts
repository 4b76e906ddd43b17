/** Types of large-report.mjs. */
export interface GeneratedReport {
  daily: Array<{
    date: string;
    inputTokens: number;
    outputTokens: number;
    cacheCreationTokens: number;
    cacheReadTokens: number;
    totalTokens: number;
    totalCost: number;
    modelBreakdowns: Array<{
      modelName: string;
      inputTokens: number;
      outputTokens: number;
      cacheCreationTokens: number;
      cacheReadTokens: number;
      cost: number;
    }>;
  }>;
}
export declare function yesterdayUtc(): string;
export declare function modelName(k: number): string;
export declare function largeReport(options: { days: number; models: number; end?: string; variant?: number }): GeneratedReport;
export declare function largestReport(options: { maxBytes: number; models?: number; maxDays?: number; end?: string; variant?: number }): {
  report: GeneratedReport;
  text: string;
  bytes: number;
  days: number;
  models: number;
};
