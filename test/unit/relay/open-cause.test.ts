import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsWords, realFsCode } from '../../../src/relay/store/open-cause.js';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('relay: why a data directory or its store could not be made', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-open-cause-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("says the read-only file system behind a recursive mkdir's ENOENT", async () => {
    const readOnly = async () => {
      throw errno('EROFS');
    };
    const code = await realFsCode(errno('ENOENT'), join(dir, 'missing', 'data'), readOnly);
    assert.equal(code, 'EROFS');
    assert.equal(fsWords('EROFS'), 'read-only file system (EROFS)');
  });

  it('keeps ENOENT when the folder above can be written', async () => {
    const code = await realFsCode(errno('ENOENT'), join(dir, 'missing'), async () => undefined);
    assert.equal(code, 'ENOENT');
  });

  it("reads LevelDB's cause text (no space left) as ENOSPC, through the cause chain", async () => {
    const level = new Error('Database failed to open', {
      cause: new Error('IO error: /d/store/000001.dbtmp: No space left on device'),
    });
    assert.equal(await realFsCode(level, join(dir, 'store'), async () => undefined), 'ENOSPC');
    assert.equal(fsWords('ENOSPC'), 'no space left on device (ENOSPC)');
  });

  it('passes a code it has no words for as the bare code', () => {
    assert.equal(fsWords('EWEIRD'), 'EWEIRD');
  });
});
