// A stand-in for the responders' Slack in `npm start`: an incoming webhook on a loopback port that
// prints each channel message, and Slack's Web API for direct messages, which prints each approver's
// own message (their one-click links) under their name, so the links can be clicked from the terminal.
import { jsonOf, startJsonWebhook } from '../testing/json-webhook.js';
import { startSlackApi } from '../simulators/slack/index.js';

const MARKDOWN_LINK = /\[((?:\\.|[^\]\\])+)\]\((\S+?)\)/g;

/**
 * Starts the receiver on a free port; `print` gets each message's text, made terminal-friendly. `slack`
 * is the direct-message stand-in (REVOKER_SLACK_API_URL, REVOKER_SLACK_BOT_TOKEN).
 */
export async function startSandboxChat(
  print: (text: string) => void,
): Promise<{ url: string; slack: { apiUrl: string; botToken: string } }> {
  const slack = await startSlackApi({
    unref: true,
    onMessage: (email, message) =>
      print(`Direct message to ${email} (only they see it):\n${terminalText(message.text)}`),
  });
  const chat = await startJsonWebhook(
    (body) => {
      const json = jsonOf(body);
      const text = json && typeof json === 'object' && 'text' in json ? json.text : undefined;
      if (typeof text !== 'string') return 400;
      print(terminalText(text));
      return 200;
    },
    { path: '/sandbox-chat', unref: true },
  );
  return { url: chat.url, slack: { apiUrl: slack.apiUrl, botToken: slack.botToken } };
}

/** The message's markdown with each link on a line of its own as "label: url", which terminals make clickable. */
export function terminalText(markdown: string): string {
  return markdown
    .split('\n\n')
    .flatMap((paragraph) => {
      const links = [...paragraph.matchAll(MARKDOWN_LINK)].map(
        ([, label = '', url = '']) => `  ${label.replace(/\\(.)/g, '$1')}: ${url}`,
      );
      const rest = paragraph
        .replace(MARKDOWN_LINK, '')
        .replace(/\*\*/g, '')
        .replace(/^[\s·]+$/, '');
      return [...(rest.trim() ? [rest] : []), ...links];
    })
    .join('\n');
}
