import { chmod, mkdir, stat } from 'node:fs/promises';
import type { Logger } from '@nestjs/common';

/**
 * Backups and retention archives hold every user's data (backups also the token hashes): only the
 * service's own user may read them, and only it may list their directory, whatever the umask.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * `dir` at 0700: created so, or narrowed when it is the service's own and wider (made by
 * `install -d` or a 022 umask). A directory of another owner, or a shared one (sticky bit, like
 * /tmp), is left as it is with a warning; the files in it are 0600 all the same.
 */
export async function ensurePrivateDirectory(dir: string, logger: Logger, holds: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const { mode, uid } = await stat(dir);
  if ((mode & 0o777) === PRIVATE_DIR_MODE) return;
  const own = uid === process.getuid?.() && (mode & 0o1000) === 0;
  const narrowed =
    own &&
    (await chmod(dir, PRIVATE_DIR_MODE).then(
      () => true,
      () => false,
    ));
  if (!narrowed) logger.warn(`${dir} is mode ${(mode & 0o777).toString(8)}, not 700: other local users may list the ${holds} (which are mode 600)`);
}
