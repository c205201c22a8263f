/**
 * Which diff sessions of the document store are still on screen. Each `showDiffs` puts its documents under a folder
 * of its own and opens them in one multi-file diff editor, whose tab carries the session's title; a single object
 * diff opened from it is a tab showing the folder's documents. Once a tab has been seen showing a session and no tab
 * shows it any more, its folder is evicted. A session no tab was ever seen showing (the editor's tab may not be
 * recognisable: the multi-file diff editor's tab input is not in the stable API) is never evicted for that, so a
 * document the user may still be reading is never taken away; the newest `MAX_DIFF_SESSIONS` sessions bound what is
 * kept. Pure (no `vscode`) so the rule is tested without an editor.
 */

/** What an open tab shows: its label and the paths of its `kluctl:` documents. */
export interface OpenTab {
  label: string;
  paths: string[];
}

/** How many diff sessions keep their documents at most; the oldest go first. */
export const MAX_DIFF_SESSIONS = 20;

interface Session {
  title: string;
  /** Set once a tab was seen showing it: before that the editor may still be opening, or is not recognisable. */
  seen: boolean;
}

export class DiffSessions {
  /** In the order they were added (a Map keeps insertion order). */
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly max = MAX_DIFF_SESSIONS) {}

  /** A new session under `folder`, shown in an editor titled `title`; returns the oldest folders beyond the cap. */
  add(folder: string, title: string): string[] {
    this.sessions.set(folder, { title, seen: false });
    const evict: string[] = [];
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.max) break;
      evict.push(oldest);
      this.sessions.delete(oldest);
    }
    return evict;
  }

  /** The tabs now open; returns the folders to evict (seen in a tab before, shown by no tab now) and forgets them. */
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
