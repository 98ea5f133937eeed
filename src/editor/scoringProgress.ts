/**
 * What the editor is scoring now, in one place: a {@link ScoringRun} per run (a Score command's batch, a study's
 * cell, the study itself) with the progress of each of its cells. The CodeLens, the hover, the status bar and the
 * progress notification all read these numbers, so they never disagree.
 */

/** Progress of one cell being scored: steps done of the steps its scores take (0 of 0 before the first report). */
export interface CellProgress {
  readonly done: number;
  readonly total: number;
  /** The whole percent the lens, the hover and the status bar show (computed here only: they never disagree). */
  readonly percent: number;
}

/** A cell (or a task without a cell, like the study) in flight in a run. */
export interface RunItem {
  readonly label: string;
  readonly hash?: string;
  done: number;
  total: number;
}

/** Share of a cell's steps done, 0–1 (0 before the first report). */
function shareOf(p: { done: number; total: number }): number {
  return p.total > 0 ? p.done / p.total : 0;
}

/** An item's progress as every surface shows it. */
function progressOf(i: RunItem): CellProgress {
  return { done: i.done, total: i.total, percent: Math.round(100 * shareOf(i)) };
}

/** The progress of one run: the cells in flight, and how many of its `count` are finished. */
export class ScoringRun {
  private readonly items = new Set<RunItem>();
  private finished = 0;

  constructor(
    private readonly owner: ScoringActivity,
    /** Cells in the run (a batch's distinct cells; 1 for a single task). */
    readonly count: number,
  ) {}

  /** A cell (with its hash: the lens shows its progress) or a task (a label only) starts. */
  start(label: string, hash?: string): RunItem {
    const item: RunItem = { label, hash, done: 0, total: 0 };
    this.items.add(item);
    this.owner.changed();
    return item;
  }

  /** New progress of an item of this run. */
  progress(item: RunItem, done: number, total: number): void {
    item.done = done;
    item.total = total;
    this.owner.changed();
  }

  /** An item is done (scored, failed or cancelled). */
  finish(item: RunItem): void {
    if (this.items.delete(item)) this.finished++;
    this.owner.changed();
  }

  /** A cell counted done without scoring (its report was cached). */
  skip(): void {
    this.finished++;
    this.owner.changed();
  }

  /** The run's share done, 0–1: finished cells, and the steps of those in flight. */
  get fraction(): number {
    let f = this.finished;
    for (const i of this.items) f += shareOf(i);
    return this.count > 0 ? Math.min(1, f / this.count) : 1;
  }

  /** The run is over: its items leave the activity. */
  end(): void {
    this.owner.ended(this);
  }

  /** Items in flight (the activity reads them). */
  get inFlight(): ReadonlySet<RunItem> {
    return this.items;
  }
}

/** Every run in flight; see the module comment. */
export class ScoringActivity {
  private readonly runs = new Set<ScoringRun>();

  /** @param onChange called whenever any progress moves, a run starts or one ends. */
  constructor(private readonly onChange: () => void) {}

  /** A new run of `count` cells (1 for a single task). */
  begin(count: number): ScoringRun {
    const run = new ScoringRun(this, count);
    this.runs.add(run);
    return run;
  }

  /** @internal */
  changed(): void {
    this.onChange();
  }

  /** @internal */
  ended(run: ScoringRun): void {
    if (this.runs.delete(run)) this.onChange();
  }

  private *items(): Iterable<RunItem> {
    for (const r of this.runs) yield* r.inFlight;
  }

  /** Progress of a cell being scored now (the lens and the hover), if it is. */
  of(hash: string): CellProgress | undefined {
    for (const i of this.items()) if (i.hash === hash) return progressOf(i);
    return undefined;
  }

  /** Anything in flight (a request of the scoring processes is being answered). */
  get busy(): boolean {
    return [...this.runs].some((r) => r.inFlight.size > 0);
  }

  /**
   * The status bar's words for what runs, from the same numbers as the lens: one cell "Scoring LSTM (a.json) 33%",
   * one task its label, several "Scoring 3 cells"; undefined when nothing runs.
   */
  label(): string | undefined {
    const items = [...this.items()];
    if (items.length === 0) return undefined;
    if (items.length > 1) return `Scoring ${items.length} cells`;
    const [i] = items;
    return i.hash !== undefined ? `Scoring ${i.label} ${progressOf(i).percent}%` : i.label;
  }
}
