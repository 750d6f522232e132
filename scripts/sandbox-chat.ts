// A stand-in for the responders' Slack/Teams channel in `npm start`: an incoming webhook on a
// loopback port that prints each message, so its one-click links can be clicked from the terminal.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const MARKDOWN_LINK = /\[((?:\\.|[^\]\\])+)\]\((\S+?)\)/g;

/** Starts the receiver on a free port; `print` gets each message's text, made terminal-friendly. */
export async function startSandboxChat(print: (text: string) => void): Promise<{ url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const { text } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: unknown };
        if (typeof text !== 'string') throw new Error('no text');
        print(terminalText(text));
        response.writeHead(200).end('ok');
      } catch {
        response.writeHead(400).end('invalid_payload');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox-chat` };
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
