/**
 * A readers-writer lock with writer preference, so a waiting writer is not starved by a stream of
 * readers. Ownership is handed over by the waker (counts are updated before a waiter resumes), so
 * nothing can slip in between a release and the next owner's start.
 */
export class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly waitingWriters: (() => void)[] = [];
  private waitingReaders: (() => void)[] = [];

  async read<T>(work: () => Promise<T>): Promise<T> {
    if (this.writer || this.waitingWriters.length > 0) {
      await new Promise<void>((resolve) => this.waitingReaders.push(resolve));
    } else {
      this.readers++;
    }
    try {
      return await work();
    } finally {
      this.readers--;
      this.wake();
    }
  }

  async write<T>(work: () => Promise<T>): Promise<T> {
    if (this.writer || this.readers > 0) {
      await new Promise<void>((resolve) => this.waitingWriters.push(resolve));
    } else {
      this.writer = true;
    }
    try {
      return await work();
    } finally {
      this.writer = false;
      this.wake();
    }
  }

  private wake(): void {
    if (this.writer) return;
    if (this.waitingWriters.length > 0) {
      if (this.readers === 0) {
        this.writer = true;
        this.waitingWriters.shift()!();
      }
      return;
    }
    const readers = this.waitingReaders;
    this.waitingReaders = [];
    this.readers += readers.length;
    readers.forEach((resolve) => resolve());
  }
}
