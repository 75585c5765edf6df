import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD, hydrated, mailLink, signUpAndLogIn, uniqueEmail } from './helpers';

/** `server admin set-plan`: the same binary and environment as the e2e server. */
function setPlan(email: string, plan: string): void {
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'clipmaker', 'target');
  execFileSync(join(target, 'debug', 'server'), ['admin', 'set-plan', email, plan], { stdio: 'pipe' });
}

let dir: string;
let clip: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cm-e2e-team-'));
  clip = join(dir, 'team-talk.webm');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=15:d=2',
    '-f', 'lavfi', '-i', 'sine=duration=2',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-shortest', '-y', clip,
  ]);
});

test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the owner invites by mail, the invitee signs up, joins and uploads; a viewer only watches', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const ownerCtx = await browser.newContext();
  const owner = await ownerCtx.newPage();
  const ownerEmail = await signUpAndLogIn(owner, ownerCtx.request, baseURL!);
  setPlan(ownerEmail, 'pro');

  await owner.goto('/team');
  await hydrated(owner);
  await owner.getByTestId('no-team').locator('input[name=name]').fill('Студия Север');
  await owner.getByTestId('no-team').locator('button[type=submit]').click();
  await expect(owner.getByTestId('team-name')).toContainText('Студия Север');
  await expect(owner.getByTestId('team-name')).toContainText('Владелец');

  // An invite by mail, as a member.
  const inviteeEmail = uniqueEmail('invitee');
  const form = owner.getByTestId('invite-form');
  await form.locator('input[name=email]').fill(inviteeEmail);
  await form.locator('select[name=role]').selectOption('member');
  await form.locator('button[type=submit]').click();
  await expect(owner.getByTestId('invite-created')).toContainText('Письмо с приглашением отправлено');
  await expect(owner.getByTestId('pending-invites')).toContainText(inviteeEmail);

  // The invitee follows the mailed link, signs up, logs in, comes back and joins.
  const link = await mailLink(ownerCtx.request, inviteeEmail);
  const inviteeCtx = await browser.newContext();
  const invitee = await inviteeCtx.newPage();
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee.getByTestId('invite-text')).toContainText('«Студия Север»');
  await invitee.getByTestId('invite-register').click();
  await invitee.waitForURL(/\/register\?next=%2Finvite%2F|\/register\?next=\/invite\//);
  await hydrated(invitee);
  await invitee.fill('#field-name', 'Ирина');
  await invitee.fill('#field-email', inviteeEmail);
  await invitee.fill('#field-password', PASSWORD);
  await invitee.click('button[type=submit]');
  await expect(invitee.getByTestId('register-done')).toBeVisible();
  await invitee.getByTestId('register-to-login').click();
  await hydrated(invitee);
  await invitee.fill('#field-email', inviteeEmail);
  await invitee.fill('#field-password', PASSWORD);
  await invitee.click('button[type=submit]');
  // The login page's own URL holds /invite/ in its ?next=, so match the path itself.
  await invitee.waitForURL(/:\d+\/invite\/[^/?]+$/);
  await hydrated(invitee);
  await invitee.getByTestId('join-team').click();
  await expect(invitee).toHaveURL(/\/team$/);
  await expect(invitee.getByTestId('team-name')).toContainText('Участник');

  // Following the mailed link confirmed the address: the new member uploads at once.
  await invitee.goto('/videos');
  await hydrated(invitee);
  await invitee.getByTestId('file-input').setInputFiles(clip);
  await expect(invitee.getByTestId('upload-progress')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  // Two seconds of a test pattern hold no speech: the worker finishes with "no clips". The owner looks once it has
  // settled (a page rendered while a video changes under it is not what this test is about).
  const membersRow = invitee.locator('.video-row', { hasText: 'team-talk' });
  await expect(membersRow.getByTestId('video-status')).toHaveText('Ошибка', { timeout: 90_000 });

  // The owner sees the member's video in their list.
  await owner.goto('/videos');
  await hydrated(owner);
  const ownersRow = owner.locator('.video-row', { hasText: 'team-talk' });
  await expect(ownersRow).toBeVisible();
  const videoId = await ownersRow.getAttribute('data-video-id');
  await expect(ownersRow.getByTestId('video-delete')).toBeVisible();

  // A shareable link for a viewer.
  await owner.goto('/team');
  await hydrated(owner);
  await form.locator('select[name=role]').selectOption('viewer');
  await form.locator('button[type=submit]').click();
  const url = await owner.getByTestId('invite-url').inputValue();
  expect(url).toContain('/invite/');

  const viewerCtx = await browser.newContext();
  const viewer = await viewerCtx.newPage();
  await signUpAndLogIn(viewer, viewerCtx.request, baseURL!);
  await viewer.goto(url);
  await hydrated(viewer);
  await viewer.getByTestId('join-team').click();
  await expect(viewer).toHaveURL(/\/team$/);
  await expect(viewer.getByTestId('team-name')).toContainText('Наблюдатель');

  // The viewer sees the team's video but no edit controls, and a direct edit request is refused.
  await viewer.goto('/videos');
  await hydrated(viewer);
  const viewersRow = viewer.locator('.video-row', { hasText: 'team-talk' });
  await expect(viewersRow).toBeVisible();
  await expect(viewersRow.getByTestId('video-delete')).toHaveCount(0);
  await viewer.goto(`/videos/${videoId}`);
  await hydrated(viewer);
  await expect(viewer.getByRole('heading', { name: 'team-talk' })).toBeVisible();
  await expect(viewer.getByTestId('video-delete')).toHaveCount(0);
  const refused = await viewerCtx.request.post('/api/videos/delete', {
    headers: { origin: baseURL! },
    form: { video_id: videoId! },
  });
  expect(refused.status()).toBe(403);

  await Promise.all([ownerCtx.close(), inviteeCtx.close(), viewerCtx.close()]);
});
