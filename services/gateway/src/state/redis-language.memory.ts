import type { Redis } from 'ioredis';
import type { Language } from '@cti/domain';
import type { LanguageMemory } from '../call/caller-wait.js';

/** Caller languages in Redis, one key per number with the retention as its time to live. */
export class RedisLanguageMemory implements LanguageMemory {
  constructor(
    private readonly redis: Pick<Redis, 'get' | 'set'>,
    private readonly prefix: string,
    private readonly retentionDays: number,
  ) {}

  private key(number: string): string {
    return `${this.prefix}:lang:${number}`;
  }

  async find(callerNumber: string): Promise<Language | undefined> {
    if (this.retentionDays <= 0) return undefined;
    const v = await this.redis.get(this.key(callerNumber));
    return v === 'tibetan' || v === 'mandarin' ? v : undefined;
  }

  async remember(callerNumber: string, language: Language): Promise<void> {
    if (this.retentionDays <= 0) return;
    await this.redis.set(this.key(callerNumber), language, 'EX', this.retentionDays * 86_400);
  }
}
