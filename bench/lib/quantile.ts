/** The q-quantile of ascending `sorted` (nearest rank, as every bench table reports it); NaN when empty. */
export const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
