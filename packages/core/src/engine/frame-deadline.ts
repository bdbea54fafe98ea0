/**
 * The deadline for a frame, once begun, to complete: a peer dripping bytes is closed instead of
 * holding its buffer. Armed when a partial frame is held; re-armed only when a new frame has begun
 * since (a frame completed in between), so later chunks of the same frame cannot extend it.
 */
export class FrameDeadline {
  private timer: NodeJS.Timeout | undefined;
  private framesRead = 0;
  private armedAt = 0;

  constructor(private readonly ms: number, private readonly expired: () => void) {}

  /** A whole frame was read. */
  frameRead(): void {
    this.framesRead++;
  }

  /** After a read: `partial` bytes of an unfinished frame are held. */
  check(partial: number): void {
    if (partial === 0) {
      this.clear();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.expired, this.ms);
      this.timer.unref();
      this.armedAt = this.framesRead;
    } else if (this.armedAt !== this.framesRead) {
      this.timer.refresh();
      this.armedAt = this.framesRead;
    }
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
