// A page object for the chat widget: what the bot said, the buttons it offers, the send box, and how long
// each reply took to show up. Selectors are Web Chat's own class names (botframework-webchat 4.18).
import type { Page } from 'playwright-core';

const BOT_BUBBLES = '.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content';
const USER_BUBBLES = '.webchat__bubble--from-user .webchat__bubble__content';

export class WebChatPage {
  /** Milliseconds from each send to the first reply on screen. */
  readonly latencies: number[] = [];

  constructor(readonly page: Page) {}

  botMessages(): Promise<string[]> {
    return this.page.locator(BOT_BUBBLES).allInnerTexts().then((texts) => texts.map((t) => t.trim()));
  }

  userMessages(): Promise<string[]> {
    return this.page.locator(USER_BUBBLES).allInnerTexts().then((texts) => texts.map((t) => t.trim()));
  }

  /** Waits until a bot message contains the text (or matches), and returns it. */
  async waitForBot(expected: string | RegExp, timeout = 15_000): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = (await this.botMessages()).find((m) => (typeof expected === 'string' ? m.includes(expected) : expected.test(m)));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`The bot never said ${String(expected)}. It said:\n${(await this.botMessages()).join('\n---\n')}`);
      await this.page.waitForTimeout(50);
    }
  }

  /** Does something that sends a message, and records how long until the next bot message is on screen. */
  private async timed(send: () => Promise<void>): Promise<void> {
    const before = await this.page.locator(BOT_BUBBLES).count();
    const started = Date.now();
    await send();
    await this.page.waitForFunction(
      ([selector, count]) => document.querySelectorAll(selector as string).length > (count as number),
      [BOT_BUBBLES, before] as const,
      { polling: 'raf', timeout: 15_000 },
    );
    this.latencies.push(Date.now() - started);
  }

  /** Clicks one of the bot's suggested actions (buttons) by its label. */
  press(title: string): Promise<void> {
    const exactly = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    return this.timed(() => this.page.locator('.webchat__suggested-actions__button', { hasText: exactly }).click());
  }

  /** Types into the send box and presses Enter. */
  say(text: string): Promise<void> {
    return this.timed(async () => {
      const box = this.page.locator('[data-id="webchat-sendbox-input"]');
      await box.fill(text);
      await box.press('Enter');
    });
  }

  suggestedActions(): Promise<string[]> {
    return this.page.locator('.webchat__suggested-actions__button').allInnerTexts().then((t) => t.map((s) => s.trim()));
  }

  /** The conversation this tab keeps in sessionStorage. */
  session(): Promise<{ conversationId?: string; token?: string; locale?: string } | null> {
    return this.page.evaluate(() => JSON.parse(sessionStorage.getItem('clave.webchat.v1') ?? 'null'));
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}
