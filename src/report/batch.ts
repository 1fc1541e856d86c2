/**
 * Items handed on together, at most every `everyMs` (and whenever asked: `flush()`), rather than
 * each as it comes: each hand-over is a system call that wakes another process (the report child,
 * whoever reads stdout), and a run makes thousands of small ones, which on a busy machine cost the
 * scenarios' thread far more than the bytes they carry. The timer never keeps the process alive:
 * whoever ends the stream flushes it.
 */
export class Batch<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly handOver: (items: T[]) => void,
    private readonly everyMs = 50,
  ) {}

  add(item: T): void {
    this.items.push(item);
    this.timer ??= setTimeout(() => this.flush(), this.everyMs).unref();
  }

  /** Hands over now what has waited (nothing when nothing has). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.handOver(items);
  }
}
