// A handoff in two real browser pages (Debian's chromium): the person in the chat widget asks for a person,
// an agent signs in to the console at /agent with the development credentials, takes the conversation from
// the line, they write to each other, and the agent returns the person to the bot, which answers again.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { consoleText } from '../../dialogs/pages/agent-console.js';
import { DEV_AGENT } from '../../src/handoff/agent-users.js';
import { launchChromium, newContext, requireChromium, saveArtifact, watchForProblems } from '../helpers/browser.js';
import { WebChatPage } from '../helpers/web-chat.js';
import { startWebApp, type WebApp } from '../helpers/web-app.js';

const BRAND = 'StreamFlix Demo';
const say = (key: string, params: Record<string, string | number> = {}) => text('en', key, { brand: BRAND, minutes: 10, digits: 6, ...params });
const label = (key: Parameters<typeof consoleText>[1], params: Record<string, string | number> = {}) => consoleText('en', key, { brand: BRAND, ...params });

requireChromium();

let web: WebApp;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  // The embedded default: development agent, in-memory desk, built-in widget.
  web = await startWebApp();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

async function signInToConsole(page: Page): Promise<void> {
  await page.goto(`${web.baseUrl}/agent`);
  await page.locator('#name').fill(DEV_AGENT.name);
  await page.locator('#password').fill(DEV_AGENT.password);
  await Promise.all([page.waitForURL(/\/agent\?lang=en$/), page.locator('button[type="submit"]').click()]);
  await page.locator('#live[data-state="live"]').waitFor();
  expect(await page.locator('.who').innerText()).toBe(label('signed_in_as', { agent: DEV_AGENT.name }));
}

describe('a handoff between the widget and the agent console', { timeout: 90_000 }, () => {
  it('connects the person and the agent both ways and returns the person to the bot', async () => {
    const personContext = await newContext(browser, { locale: 'en-US' });
    const agentContext = await newContext(browser, { locale: 'en-US' });
    const personPage = await personContext.newPage();
    const agentPage = await agentContext.newPage();
    const personProblems = watchForProblems(personPage);
    const agentProblems = watchForProblems(agentPage);
    const chat = new WebChatPage(personPage);

    await signInToConsole(agentPage);
    await agentPage.locator('#queue-empty').waitFor();

    // The person asks for a person and hears their place in line.
    await personPage.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('welcome'));
    await chat.press(say('choice_agent'));
    await chat.waitForBot(say('handoff_started'));
    await chat.waitForBot(say('handoff_queue_no_estimate', { position: 1 }));
    const conversationId = (await chat.session())?.conversationId;
    expect(conversationId).toBeTruthy();

    // The agent sees them in the line, live, with language and reason, and takes the conversation.
    const item = agentPage.locator(`#queue li[data-conversation-id="${conversationId}"]`);
    await item.waitFor();
    expect(await item.locator('.lang').innerText()).toBe(label('language_en'));
    expect(await item.locator('.reason').innerText()).toBe(label('reason_requested'));
    await item.locator('button[data-action="take"]').click();
    const mine = agentPage.locator(`#mine li[data-conversation-id="${conversationId}"]`);
    await mine.waitFor();
    await agentPage.locator('#conversation[data-kind="mine"] #case-heading').waitFor();
    // Asked for a person before saying who they are: nothing to check, and the agent reads so.
    expect(await agentPage.locator('.facts').innerText()).toContain(label('owner_not_asked'));
    await chat.waitForBot(say('handoff_agent_joined', { agent: DEV_AGENT.name }));

    // Person → agent, redacted on the way. The bot says nothing now, so nothing to wait for in the chat.
    const sendBox = personPage.locator('[data-id="webchat-sendbox-input"]');
    await sendBox.fill('Hi, I lost my phone. My email is someone@example.com');
    await sendBox.press('Enter');
    await chat.page.locator('.webchat__bubble--from-user', { hasText: 'Hi, I lost my phone' }).waitFor();
    await agentPage.locator('#chat-log li.person', { hasText: 'Hi, I lost my phone. My email is <email>' }).waitFor();

    // Agent → person.
    await agentPage.locator('#message').fill('Hello! I am here to help you.');
    await agentPage.locator('#message').press('Enter');
    await chat.waitForBot(say('handoff_agent_message', { agent: DEV_AGENT.name, text: 'Hello! I am here to help you.' }));
    await agentPage.locator('#chat-log li.agent', { hasText: 'Hello! I am here to help you.' }).waitFor();
    saveArtifact('agent-console.png', await agentPage.screenshot({ fullPage: true }));
    saveArtifact('agent-console-person.png', await personPage.screenshot());

    // The agent returns the person to the bot; both sides see it, and the bot answers the next message.
    await agentPage.locator('button[data-action="return"]').click();
    await chat.waitForBot(say('handoff_ended'));
    await agentPage.locator('#chat-log li.closed').waitFor();
    expect(await agentPage.locator('#chat-log li.closed').innerText()).toBe(label('log_closed', { reason: label('closed_returned') }));
    await chat.say('I forgot my password');
    await chat.waitForBot(say('ask_identifier'));

    expect(personProblems).toEqual([]);
    expect(agentProblems).toEqual([]);
    await personContext.close();
    await agentContext.close();
  });
});
