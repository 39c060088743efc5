/**
 * A real headless Chromium for tests that look at what a person sees: Debian's
 * package (`apt-get install chromium`, /usr/bin/chromium) driven by
 * playwright-core, which brings no browser of its own.
 *
 *   const browser = await launchChromium();
 *   if (browser === undefined) console.log('not run: chromium not installed');
 *   else { const page = await browser.context.newPage(); …; await browser.close(); }
 *
 * `context` is a playwright BrowserContext on its own profile (a
 * --user-data-dir, which playwright takes only this way); `close` ends
 * Chromium, then removes the profile.
 *
 * The flags are the ones known to work on these machines
 * (/work/.library/env/machines/node.md): as root it needs --no-sandbox, and
 * without the background-networking flags it keeps trying to reach Google's
 * hosts, which a closed network refuses. Each launch gets a fresh profile,
 * removed at close.
 *
 * Returns undefined only when the binary is absent and XLINK_REQUIRE_CHROMIUM
 * is unset; CI sets it (.ci/run), so there a missing binary fails the suite.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's path; XLINK_CHROMIUM points elsewhere (another build, or a missing one to see the not-run path). */
export const CHROMIUM = process.env.XLINK_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.XLINK_REQUIRE_CHROMIUM === '1') {
      throw new Error(`XLINK_REQUIRE_CHROMIUM=1 but ${CHROMIUM} does not exist (apt-get install chromium)`);
    }
    return undefined;
  }
  const profile = mkdtempSync(join(tmpdir(), 'xlink-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      timeout: 60_000,
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
