import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../harness/paths.js';

/** Where UI flows save their screenshots (gitignored; the README's screenshot is copied from here). */
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');

/**
 * Opens the Kluctl view container from the activity bar and waits until its Deployments view is on screen and
 * settled: the extension has activated and the view shows its tree rows or its welcome content.
 */
export async function openKluctlView(page: Page): Promise<void> {
  await page.locator('.activitybar a.action-label[aria-label^="Kluctl"]').first().click({ timeout: 60_000 });
  const viewlet = page.locator('[id="workbench.view.extension.kluctl"]');
  await viewlet.waitFor({ state: 'visible', timeout: 30_000 });
  // The container holds Deployments and Variables, so each has its pane header; a container with a single visible
  // view merges that view's header into the side bar title ("Kluctl: Deployments").
  await viewlet
    .locator('.pane-header')
    .filter({ hasText: /Deployments/ })
    .or(page.locator('[id="workbench.parts.sidebar"] .composite.title h2').filter({ hasText: /Deployments/ }))
    .first()
    .waitFor({ state: 'visible', timeout: 30_000 });
  await page.getByText('Activating Extensions').waitFor({ state: 'hidden', timeout: 60_000 });
  await viewlet.getByText(/no data provider registered/i).waitFor({ state: 'hidden', timeout: 60_000 });
  await viewlet.locator('.monaco-list-row:visible, .welcome-view-content:visible').first().waitFor({ timeout: 60_000 });
  await page.mouse.move(800, 600); // no hover tooltip in the screenshot
  await page.waitForTimeout(500); // let the last paint land
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Runs a command from the palette, as a user would: `title` is what is typed, `shown` the entry then chosen (the
 * full title, when `title` is only its start).
 *
 * The filter is set with `fill`, not typed key by key: in one CI run keys typed right after F1 were lost while the
 * palette was still opening, the filter matched nothing and the step timed out. One more try follows a palette that
 * does not show the entry; the second failure names what the filter held.
 */
export async function runCommand(page: Page, title: string, shown = title): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    try {
      await widget.getByText(shown).first().waitFor({ timeout: 10_000 });
      break;
    } catch (err) {
      if (attempt === 2) {
        const filter = await input.inputValue().catch(() => '?');
        throw new Error(`the command palette did not show "${shown}" (filter: "${filter}")`, { cause: err });
      }
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
}

/** Picks an item of the quick pick the extension shows (which only an answering extension host can show). */
export async function pick(page: Page, placeholder: string, label: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  // The extension may read the network first (e.g. a chart repository's versions).
  await widget.locator(`input[placeholder="${placeholder}"]`).waitFor({ timeout: 60_000 });
  await page.keyboard.type(label);
  await widget.locator('.monaco-list-row').filter({ hasText: label }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}
