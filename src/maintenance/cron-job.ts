import type { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

/**
 * A job on a cron expression from the configuration (hence SchedulerRegistry rather than @Cron,
 * whose expression is fixed at compile time), in UTC, one run at a time. Each run is told the time
 * it was scheduled for, not "now": replicas whose timers fire a few ms apart name the same tick.
 * A run's failure is logged; the next tick runs as usual.
 */
export class ConfiguredCronJob {
  private job: CronJob | undefined;
  private nextTick: Date | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Starts the job; `variable` names the setting in the error for an invalid expression. Returns the first tick. */
  start(variable: string, expression: string, run: (tick: Date) => Promise<unknown>): Date {
    let job: CronJob;
    try {
      job = CronJob.from({
        cronTime: expression,
        timeZone: 'UTC',
        waitForCompletion: true,
        onTick: async () => {
          const tick = this.nextTick ?? new Date(Math.floor(Date.now() / 1000) * 1000);
          this.nextTick = job.nextDate().toJSDate();
          this.running = run(tick).catch((error: unknown) => {
            this.logger.error(`scheduled ${this.name} could not run: ${(error as Error).message}`);
          });
          await this.running;
        },
      });
    } catch (error) {
      throw new Error(`${variable} '${expression}' is not a valid cron expression: ${(error as Error).message}`, { cause: error });
    }
    this.job = job;
    this.nextTick = job.nextDate().toJSDate();
    this.registry.addCronJob(this.name, job);
    job.start();
    return this.nextTick;
  }

  /** No new run starts once shutdown begins; one in progress finishes before the database closes. */
  async stop(): Promise<void> {
    if (this.job && this.registry.doesExist('cron', this.name)) {
      await this.job.stop();
      this.registry.deleteCronJob(this.name);
    }
    await this.running;
  }
}
