/** A stand-in for a read gate's session (relay/read-gate.ts): records pauses, resumes and failures. */
import type { GatedReader } from '../../src/relay/read-gate.js';

export class RecordingReader implements GatedReader {
  bufferedBytes = 0;
  softBudget = 1 << 20;
  fileUploadBytes = 0;
  closing = false;
  events: string[] = [];
  pauseReading(): void {
    this.events.push('pause');
  }
  resumeReading(): void {
    this.events.push('resume');
  }
  fail(code: string): void {
    this.events.push(code);
  }
}
