/**
 * One call for the extension and the CLI: the prebuilt WikiText-2 index merged with the user's log sources
 * (`cellLens.benchmark.logPaths`). Pure Node code, no `vscode` import.
 */
import { loadPrebuiltIndex, prebuiltIndexPath } from './compact';
import { BenchmarkIndex } from './index';
import { loadLogSources, type LogSource } from './sources';

/** Options of {@link loadBenchmarkIndex}. */
export interface LoadIndexOptions {
  /**
   * Include the prebuilt WikiText-2 index: `true` (default) finds it beside the bundle / sources, a string is
   * its path, `false` leaves it out.
   */
  readonly prebuilt?: boolean | string;
}

/**
 * The prebuilt index (unless switched off) merged with the logs of `sources`. A run present in both (the same
 * log loaded twice) is kept once. Per-file problems are in the result's `warnings`. Never rejects.
 */
export async function loadBenchmarkIndex(
  sources: readonly LogSource[] = [],
  options: LoadIndexOptions = {},
): Promise<BenchmarkIndex> {
  const prebuilt = options.prebuilt ?? true;
  const base =
    prebuilt === false
      ? BenchmarkIndex.empty()
      : loadPrebuiltIndex(typeof prebuilt === 'string' ? prebuilt : prebuiltIndexPath());
  if (sources.length === 0) return base;
  return base.merge(BenchmarkIndex.fromLoadResult(await loadLogSources(sources)));
}
