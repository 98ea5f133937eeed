/**
 * A fake-vscode TextDocument whose positionAt / offsetAt use an index of line starts, as VS Code's own document
 * does (a binary search). The plain fake slices the whole text per call, which costs milliseconds on a 1.5 MB
 * document: measuring how long the editor parts block on a 2,000-cell file needs the real cost model.
 */
import { Position, TextDocument } from './fake-vscode';

export class LineIndexedDocument extends TextDocument {
  private indexed: string | undefined;
  private starts: number[] = [0];

  private lineStarts(): number[] {
    const t = this.getText();
    if (t !== this.indexed) {
      this.indexed = t;
      this.starts = [0];
      for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) this.starts.push(i + 1);
    }
    return this.starts;
  }

  override positionAt(offset: number): Position {
    const s = this.lineStarts();
    const o = Math.max(0, Math.min(offset, this.getText().length));
    let lo = 0,
      hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return new Position(lo, o - s[lo]);
  }

  override offsetAt(p: Position): number {
    const s = this.lineStarts();
    const line = Math.max(0, Math.min(p.line, s.length - 1));
    return Math.min(s[line] + p.character, this.getText().length);
  }
}
