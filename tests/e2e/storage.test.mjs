// End to end: the storage lab. Open it from the toolbar, see the notes'
// partition folder, watch the lookup of offset 368801 play to its record,
// roll a new segment by appending, and delete one by letting time pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, openPage, waitFor } from './helpers.mjs';

/** Names of the files listed in the folder (segments being faded out excluded). */
function files(page) {
  return page.$$eval('#lab .lab-seg:not(.gone) .lab-file', (rows) => rows.map((r) => r.dataset.name));
}

function labLog(page) {
  return page.$$eval('#lab-log li', (rows) => rows.map((r) => r.textContent));
}

function progress(page) {
  return page.evaluate(() => document.querySelector('#lab .lab-progress').textContent);
}

test('storage lab: the notes folder, finding 368801, a roll and a retention delete', { timeout: 120_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    const toggle = page.getByRole('button', { name: 'Storage lab' });
    assert.match((await toggle.getAttribute('title')) ?? '', /\.index.*\.timeindex/);
    await toggle.click();
    const lab = page.locator('#lab');
    await lab.waitFor({ state: 'visible', timeout: 5_000 });

    // The notes preset: the segment based at 368796 is in the folder.
    assert.equal(await page.locator('#lab-preset').inputValue(), 'notes');
    await page.locator('#lab .lab-file[data-name="00000000000000368796.log"]').waitFor({ timeout: 5_000 });
    const names = await files(page);
    for (const ext of ['log', 'index', 'timeindex']) {
      assert.ok(names.includes(`00000000000000368796.${ext}`), `the folder lists 00000000000000368796.${ext}`);
    }
    const chips = await page.locator('#lab .lab-chip').allTextContents();
    assert.ok(chips.some((c) => /^index\.interval\.bytes = \d+$/.test(c)), `config chips: ${chips.join(', ')}`);
    assert.equal(await page.locator('#lab-find-offset').inputValue(), '368801');
    await page.screenshot({ path: path.join(ARTIFACTS, 'storage-notes.png') });

    // Find 368801: the first step is the floor segment; pause, step once, then play to the end.
    await lab.getByRole('button', { name: 'Find', exact: true }).click();
    await waitFor('the floor-segment step', async () =>
      /floor entry of the segment map: the largest base offset <= 368801 is 368796/i.test(
        (await page.locator('#lab-caption').textContent()) ?? '',
      ),
    );
    await lab.getByRole('button', { name: 'Pause', exact: true }).click();
    const paused = await progress(page);
    await page.waitForTimeout(900);
    assert.equal(await progress(page), paused, 'paused: no step taken');
    await lab.getByRole('button', { name: 'Step', exact: true }).click();
    const [done, total] = (/step (\d+)\/(\d+)/.exec(await progress(page)) ?? []).slice(1).map(Number);
    assert.equal(done, Number(/step (\d+)/.exec(paused)[1]) + 1, 'Step takes one step');
    assert.ok(total >= 4, `the lookup has several steps (${total})`);
    await lab.getByRole('button', { name: 'Play all', exact: true }).click();
    await waitFor(
      'the lookup to reach its record',
      async () => /scanned \d+ bytes \(index\.interval\.bytes = \d+\)/.test(await page.locator('#lab-result').textContent()),
      30_000,
    );
    const hit = page.locator('#lab .lab-rec.hit');
    assert.equal(await hit.count(), 1, 'one record is highlighted');
    assert.equal(await hit.getAttribute('data-offset'), '368801');
    assert.ok(await hit.isVisible(), 'the highlighted record is on screen');
    assert.match((await page.locator('#lab-caption').textContent()) ?? '', /368801/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'storage-find.png') });

    // An offset past the log end is explained in the caption, not thrown.
    await page.locator('#lab-find-offset').fill('999999999');
    await lab.getByRole('button', { name: 'Find', exact: true }).click();
    assert.match((await page.locator('#lab-caption').textContent()) ?? '', /OFFSET_OUT_OF_RANGE/);

    // The rolling preset: appending rolls a new segment file.
    await page.locator('#lab-preset').selectOption('rolling');
    await waitFor('the rolling preset', async () => (await labLog(page)).some((l) => /opened preset/.test(l)), 5_000);
    const before = await files(page);
    let rolled = [];
    for (let i = 0; i < 10 && rolled.length === 0; i += 1) {
      await lab.getByRole('button', { name: 'Append', exact: true }).click();
      const now = await files(page);
      rolled = now.filter((n) => n.endsWith('.log') && !before.includes(n));
    }
    assert.equal(rolled.length, 1, 'Append rolled one new .log file');
    assert.ok((await labLog(page)).some((l) => /rolled/i.test(l) && l.includes(rolled[0])), 'the lab log says it rolled');
    assert.equal(
      await page.locator(`#lab .lab-file[data-name="${rolled[0]}"]`).evaluate((r) => r.closest('.lab-seg').classList.contains('active')),
      true,
      'the new segment is the active one',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'storage-roll.png') });

    // Advance time: retention deletes the oldest segment.
    const segments = await files(page);
    const oldest = segments.find((n) => n.endsWith('.log'));
    for (let i = 0; i < 5 && (await files(page)).includes(oldest); i += 1) {
      await lab.getByRole('button', { name: '+60 s', exact: true }).click();
    }
    const after = await files(page);
    assert.ok(!after.includes(oldest), `retention deleted ${oldest}`);
    assert.ok(after.length < segments.length, 'fewer files in the folder');
    assert.ok(
      (await labLog(page)).some((l) => /deleted segment/i.test(l) && l.includes(oldest)),
      'the lab log says which segment retention deleted',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'storage-retention.png') });

    // Escape closes the lab; the cluster kept running behind it.
    await page.keyboard.press('Escape');
    await lab.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});
