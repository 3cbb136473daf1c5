// Mail details: header words, MIME attachments, base64, mbox separators and escaping, thread
// mboxes that hold replies beside the series.

import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { decodeEncodedWords, decodeQuotedPrintable } from '../../patch/mail.js';
import { isMboxFromLine, splitMbox } from '../../patch/mbox.js';
import { fileOf, readFixture } from './helpers.js';

const DIFF = readFixture('plain.diff');

describe('headers and transfer encodings', () => {
  it('decodes RFC 2047 words, joining adjacent ones', () => {
    expect(decodeEncodedWords('=?UTF-8?q?J=C3=B6rg_R=C3=B6del?= <joro@example.org>')).toBe('Jörg Rödel <joro@example.org>');
    expect(decodeEncodedWords('=?utf-8?B?W1BBVENIXQ==?= =?utf-8?Q?_iommu?=')).toBe('[PATCH] iommu');
  });

  it('decodes quoted-printable soft breaks and escapes', () => {
    expect(decodeQuotedPrintable(['a =3D b;=', ' c=09d', 'e']).toString('utf8')).toBe('a = b; c\td\ne');
  });

  it('reads a patch sent as a base64 attachment of a multipart mail', () => {
    const mail = [
      'From: Ada Fixture <ada@example.org>',
      'Subject: [PATCH] attached',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="XYZ"',
      '',
      '--XYZ',
      'Content-Type: text/html',
      '',
      '<p>diff --git a/nothing b/nothing</p>',
      '--XYZ',
      'Content-Type: text/x-patch; name="fix.patch"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="fix.patch"',
      '',
      ...(Buffer.from(DIFF).toString('base64').match(/.{1,76}/g) ?? []),
      '--XYZ--',
      '',
    ].join('\n');
    const parsed = parsePatchInput(mail, 'attached.eml');
    expect(parsed.form).toBe('mail');
    expect(parsed.patches[0]!.info.subject).toBe('[PATCH] attached');
    expect(parsed.patches[0]!.files.map((f) => f.newPath)).toEqual(['block/blk-mq-dma.c', 'drivers/iommu/dma-iommu.c', 'include/linux/dma-mapping.h']);
  });

  it('takes the author from an in-body From: line, as git am does', () => {
    const mail = `From: Sender <sender@example.org>\nSubject: [PATCH] x\n\nFrom: Real Author <author@example.org>\n\nBody.\n---\n${DIFF}`;
    expect(parsePatchInput(mail, 'fwd.eml').patches[0]!.info.author).toBe('Real Author <author@example.org>');
  });
});

describe('mbox separators', () => {
  it('needs a date on a From line, so prose starting with "From " does not split a message', () => {
    expect(isMboxFromLine('From 134085ff9b8bf4509e26e98fa53efcb5492c99e4 Mon Sep 17 00:00:00 2001')).toBe(true);
    expect(isMboxFromLine('From mboxrd@z Thu Jan  1 00:00:00 1970')).toBe(true);
    expect(isMboxFromLine('From the start, the IOVA is aligned.')).toBe(false);
    const mbox = 'From a Mon Sep 17 00:00:00 2001\nSubject: one\n\nFrom the start, this is one message.\n\nFrom b Mon Sep 17 00:00:00 2001\nSubject: two\n\nbody\n';
    const messages = [...splitMbox(mbox)];
    expect(messages.map((m) => m.firstLine)).toEqual([2, 7]);
    expect(messages[0]!.text).toContain('From the start');
  });

  it('unescapes >From lines in bodies', () => {
    const mbox = `From a Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n>From the start.\n---\n${DIFF}`;
    const parsed = parsePatchInput(mbox, 'x.mbox');
    expect(parsed.patches).toHaveLength(1);
    expect(parsed.form).toBe('mail');
  });

  it('in a thread mbox, applies the series and skips replies that quote it', () => {
    const series = readFixture('series.mbox');
    const reply = readFixture('reply-two-level.eml');
    const thread = `${series}\nFrom dan@example.org Tue Dec  2 11:20:45 2026\n${reply}`;
    const parsed = parsePatchInput(thread, 'thread.mbox');
    expect(parsed.patches).toHaveLength(3);
    expect(parsed.notes.some((n) => /reply skipped .*\[PATCH 2\/3\]/.test(n))).toBe(true);
  });

  it('reads an mbox of replies when it holds no posted patch', () => {
    const replies = `From dan@example.org Tue Dec  2 11:20:45 2026\n${readFixture('reply-two-level.eml')}`;
    const cs = buildChangeSet(parsePatchInput(replies, 'replies.mbox'));
    expect(fileOf(cs, 'block/blk-mq-dma.c').changedLines.size).toBe(10);
  });
});
