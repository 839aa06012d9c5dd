/**
 * An in-process queue with the SQS semantics StartOrderProcessing relies on: batches (up to
 * batchSize, waiting up to the batching window), a visibility timeout, redelivery of the items a
 * consumer reports in batchItemFailures (or of the whole batch when it throws), and a move to the
 * dead-letter queue once a message has been received maxReceiveCount times.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { createHash, randomUUID } from "node:crypto";
import { QueueJournal } from "./journal";
import { payloadChunks, type Meter } from "../meter/meter";

export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
}

export interface LocalQueueOptions {
  readonly queueArn: string;
  readonly visibilityTimeoutMs: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  /** Batches processed at once (Lambda scales pollers out the same way). */
  readonly concurrency: number;
  readonly onDeadLetter?: (message: QueueMessage) => void;
  readonly onConsumerError?: (error: unknown) => void;
  /** Keeps messages (and dead letters) in this file across stops and crashes; in memory without it. */
  readonly journalPath?: string;
  /** On stop, how long to keep delivering what is already queued before leaving it (journaled) for next time. */
  readonly drainTimeoutMs?: number;
  /** Counts SendMessage, the event source mapping's receives and its batch deletes, as SQS bills them. */
  readonly meter?: Meter;
}

export type QueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export class LocalQueue {
  private readonly messages: QueueMessage[] = [];
  private readonly deadLetters: QueueMessage[] = [];
  private inFlight = 0;
  private running = false;
  private wakeUp: (() => void) | undefined;
  private readonly workers: Promise<void>[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly journal: QueueJournal | undefined;
  /** Set while stopping: deliver what is visible at once, without waiting for a fuller batch. */
  private draining = false;

  constructor(private readonly options: LocalQueueOptions) {
    if (!options.journalPath) return;
    const { journal, state } = QueueJournal.open(options.journalPath);
    this.journal = journal;
    const restore = (m: { messageId: string; body: string; sentAt: number }): QueueMessage => ({
      ...m,
      receiveCount: 0,
      visibleAt: 0,
    });
    this.messages.push(...state.queued.map(restore));
    this.deadLetters.push(...state.deadLettered.map(restore));
  }

  /** Journaled before it returns: once the sender has the id, the message survives a crash. */
  send(body: string): string {
    const message: QueueMessage = {
      messageId: randomUUID(),
      body,
      sentAt: Date.now(),
      receiveCount: 0,
      visibleAt: 0,
    };
    this.journal?.sent(message);
    this.options.meter?.record("SQS", "SendMessage", { requests: payloadChunks(Buffer.byteLength(body)) });
    this.messages.push(message);
    this.signal();
    return message.messageId;
  }

  /** Messages waiting or in flight (their bodies), e.g. to tell which orders are already queued. */
  queuedBodies(): string[] {
    return this.messages.map((m) => m.body);
  }

  start(consumer: QueueConsumer): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.poll(consumer));
  }

  /**
   * Delivers what is already queued (the partial batch in the batching window too) for up to
   * drainTimeoutMs, then stops the pollers after their batches. Whatever is left stays in the
   * journal for the next start (in memory only, it is lost: run with --data-dir to keep it).
   */
  async stop(): Promise<void> {
    this.draining = true;
    this.signal();
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 0);
    while (this.running && Date.now() < deadline && this.visibleCount(Date.now()) + this.inFlight > 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.running = false;
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
    this.signal();
    await Promise.all(this.workers);
  }

  stats(): { visible: number; inFlight: number; deadLettered: number } {
    const now = Date.now();
    return {
      visible: this.messages.filter((m) => m.visibleAt <= now).length,
      inFlight: this.messages.filter((m) => m.visibleAt > now).length,
      deadLettered: this.deadLetters.length,
    };
  }

  deadLetterMessages(): readonly QueueMessage[] {
    return this.deadLetters;
  }

  /**
   * SQS's message move task: every dead-lettered message goes back to this queue, oldest first, with
   * its receive count reset (journaled first, like a send). Returns how many moved.
   */
  redriveDeadLetters(): number {
    const moved = this.deadLetters.splice(0);
    for (const message of moved) {
      this.journal?.redriven(message.messageId);
      message.receiveCount = 0;
      message.visibleAt = 0;
      this.messages.push(message);
    }
    if (moved.length > 0) this.signal();
    return moved.length;
  }

  /** True when nothing is waiting or being processed. */
  isDrained(): boolean {
    return this.messages.length === 0 && this.inFlight === 0;
  }

  private signal(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private waitForWork(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.wakeUp;
      const timer = ms === undefined ? undefined : setTimeout(() => resolve(), ms);
      this.wakeUp = () => {
        if (timer) clearTimeout(timer);
        previous?.();
        resolve();
      };
    });
  }

  private visibleCount(now: number): number {
    let count = 0;
    for (const m of this.messages) if (m.visibleAt <= now) count++;
    return count;
  }

  private receive(): QueueMessage[] {
    const now = Date.now();
    const batch: QueueMessage[] = [];
    for (const message of [...this.messages]) {
      if (batch.length >= this.options.batchSize) break;
      if (message.visibleAt > now) continue;
      message.receiveCount++;
      if (message.receiveCount > this.options.maxReceiveCount) {
        // Past maxReceiveCount, SQS moves the message to the dead-letter queue instead of delivering it.
        this.messages.splice(this.messages.indexOf(message), 1);
        this.journal?.deadLettered(message.messageId);
        this.deadLetters.push(message);
        this.options.onDeadLetter?.(message);
        continue;
      }
      message.visibleAt = now + this.options.visibilityTimeoutMs;
      batch.push(message);
    }
    if (batch.length > 0) this.scheduleVisibilityWake(this.options.visibilityTimeoutMs);
    return batch;
  }

  private scheduleVisibilityWake(ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.signal();
    }, ms + 5);
    this.timers.add(timer);
  }

  private toRecord(message: QueueMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `${message.messageId}#${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: "local",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: createHash("md5").update(message.body).digest("hex"),
      eventSource: "aws:sqs",
      eventSourceARN: this.options.queueArn,
      awsRegion: "us-east-1",
    };
  }

  private async poll(consumer: QueueConsumer): Promise<void> {
    while (this.running) {
      const now = Date.now();
      const visible = this.visibleCount(now);
      if (visible === 0) {
        await this.waitForWork();
        continue;
      }
      if (visible < this.options.batchSize && this.options.batchingWindowMs > 0 && !this.draining) {
        // Like MaximumBatchingWindowInSeconds: gather a fuller batch, but never wait past the window.
        const oldest = Math.min(
          ...this.messages.filter((m) => m.visibleAt <= now).map((m) => Math.max(m.sentAt, m.visibleAt)),
        );
        const remaining = oldest + this.options.batchingWindowMs - now;
        if (remaining > 0) {
          await this.waitForWork(remaining);
          if (
            !this.draining &&
            this.visibleCount(Date.now()) < this.options.batchSize &&
            Date.now() < oldest + this.options.batchingWindowMs
          ) {
            continue;
          }
        }
      }
      const batch = this.receive();
      if (batch.length === 0) continue;
      const batchBytes = batch.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0);
      this.options.meter?.record("SQS", "ReceiveMessage", { requests: payloadChunks(batchBytes) });
      this.inFlight++;
      let failedIds: Set<string>;
      try {
        const response = await consumer({ Records: batch.map((m) => this.toRecord(m)) });
        failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        // A thrown handler fails the whole batch: every message comes back after the visibility timeout.
        this.options.onConsumerError?.(error);
        failedIds = new Set(batch.map((m) => m.messageId));
      } finally {
        this.inFlight--;
      }
      // The event source mapping deletes a batch's successes in one DeleteMessageBatch.
      if (batch.some((m) => !failedIds.has(m.messageId)))
        this.options.meter?.record("SQS", "DeleteMessageBatch", { requests: 1 });
      for (const message of batch) {
        if (!failedIds.has(message.messageId)) {
          const index = this.messages.indexOf(message);
          if (index >= 0) this.messages.splice(index, 1);
          this.journal?.deleted(message.messageId);
        }
      }
      this.signal();
    }
  }
}
