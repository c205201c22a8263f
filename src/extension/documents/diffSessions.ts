/**
 * Which diff sessions of the document store are still on screen. Each `showDiffs` puts its documents under a folder
 * of its own and opens them in one multi-file diff editor, whose tab carries the session's title; a single object
 * diff opened from it is a tab showing the folder's documents. Once a session has been seen on screen and no tab
 * shows it any more, its folder is evicted. Pure (no `vscode`) so the rule is tested without an editor.
 */

/** What an open tab shows: its label and the paths of its `kluctl:` documents. */
export interface OpenTab {
  label: string;
  paths: string[];
}

interface Session {
  title: string;
  /** Set once a tab showed it: before that the editor may still be opening. */
  seen: boolean;
}

export class DiffSessions {
  private readonly sessions = new Map<string, Session>();

  /** A new session under `folder`, shown in an editor titled `title`. */
  add(folder: string, title: string): void {
    this.sessions.set(folder, { title, seen: false });
  }

  /** The editor of `folder` has been opened (the `vscode.changes` command returned). */
  opened(folder: string): void {
    const s = this.sessions.get(folder);
    if (s) s.seen = true;
  }

  /** The tabs now open; returns the folders to evict (seen before, shown by no tab now) and forgets them. */
  update(tabs: readonly OpenTab[]): string[] {
    const evict: string[] = [];
    for (const [folder, s] of this.sessions) {
      const shown = tabs.some((t) => t.label === s.title || t.paths.some((p) => p.startsWith(`${folder}/`)));
      if (shown) s.seen = true;
      else if (s.seen) {
        evict.push(folder);
        this.sessions.delete(folder);
      }
    }
    return evict;
  }

  get size(): number {
    return this.sessions.size;
  }
}
