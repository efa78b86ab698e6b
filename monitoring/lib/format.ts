/** Small formatting helpers for annotation text, so thresholds read naturally in alerts. */
import { runbookBaseUrl } from '../config/stack.ts';

export const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(4))}%`;

export const milliseconds = (ms: number): string => `${Number(ms.toPrecision(6))}ms`;

/** GitHub's anchor for a `## AlertName` heading is the lower-cased name. */
export const runbookUrl = (alertName: string): string => `${runbookBaseUrl}#${alertName.toLowerCase()}`;
