// End to end: the Cluster config panel offers the replication settings and
// the defaults of new topics, and Reset builds the cluster from them
// (app.config() is the running cluster's ClusterConfig).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, openPage } from './helpers.mjs';

test('the config panel shows the replication settings and Reset applies them', { timeout: 60_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    await page.locator('#config-title').click();
    const form = page.locator('#config-form');
    const labels = await form.locator('.cfg-label').allTextContents();
    for (const key of [
      'replica.lag.time.max.ms',
      'replica.fetch.wait.max.ms',
      'auto.leader.rebalance.enable',
      'sim.truncate_to_high_watermark',
      'min.insync.replicas',
      'unclean.leader.election.enable',
    ]) {
      assert.ok(labels.includes(key), `the panel offers ${key}`);
    }
    assert.match(await form.textContent(), /pre-KIP-101/, 'the truncation rule is explained');
    const defaults = JSON.parse(await page.evaluate(() => window.kafkascope.app.config()));
    assert.equal(
      await form.locator('[data-key="replica.lag.time.max.ms"]').inputValue(),
      String(defaults['replica.lag.time.max.ms']),
      'prefilled with the app default',
    );

    await form.locator('[data-key="replica.lag.time.max.ms"]').fill('7000');
    await form.locator('[data-key="sim.truncate_to_high_watermark"]').check();
    await form.locator('[data-key="auto.leader.rebalance.enable"]').setChecked(!defaults['auto.leader.rebalance.enable']);
    await form.locator('[data-key="topic_defaults.min.insync.replicas"]').fill('2');
    await form.evaluate((f) => f.scrollIntoView());
    await page.screenshot({ path: path.join(ARTIFACTS, 'config-panel.png') });
    await page.getByRole('button', { name: 'Reset' }).click();
    const applied = JSON.parse(await page.evaluate(() => window.kafkascope.app.config()));
    assert.equal(applied['replica.lag.time.max.ms'], 7000);
    assert.equal(applied['sim.truncate_to_high_watermark'], true);
    assert.equal(applied['auto.leader.rebalance.enable'], !defaults['auto.leader.rebalance.enable']);
    assert.equal(applied.topic_defaults['min.insync.replicas'], 2);

    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});
