import * as path from 'node:path';
import * as vscode from 'vscode';
import { findLocalProject, type LocalProject } from '../kluctl/localProject.js';
import { matchesDeployment } from '../kluctl/repoKey.js';
import type { KluctlDeployment } from '../kluctl/types.js';
import { Disposable } from './disposable.js';

export interface WorkspaceProject extends LocalProject {
  folder: vscode.WorkspaceFolder;
}

/**
 * The Kluctl projects of the open workspace: one per `.kluctl.yaml` and per workspace folder, each identified by
 * its Git origin and sub-directory. Folders outside Git are simply not projects.
 */
export class WorkspaceProjects extends Disposable {
  private projects: WorkspaceProject[] = [];
  private scanning: Promise<void> | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    const watcher = this.register(
      vscode.workspace.createFileSystemWatcher('**/.kluctl.{yaml,yml}', false, true, false),
    );
    this.register(watcher.onDidCreate(() => this.rescan()));
    this.register(watcher.onDidDelete(() => this.rescan()));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.rescan()));
  }

  async all(): Promise<WorkspaceProject[]> {
    this.scanning ??= this.scan();
    await this.scanning;
    return this.projects;
  }

  /** The projects a deployment deploys (empty: it is not one of this workspace's). */
  async matching(kd: KluctlDeployment): Promise<WorkspaceProject[]> {
    return (await this.all()).filter((p) => matchesDeployment(p, kd));
  }

  /** Synchronous check against the last scan, for the tree. */
  matchesSync(kd: KluctlDeployment): WorkspaceProject | undefined {
    return this.projects.find((p) => matchesDeployment(p, kd));
  }

  rescan(): void {
    this.scanning = this.scan().then(() => this.changed.fire());
  }

  private async scan(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const files =
      folders.length > 0
        ? await vscode.workspace.findFiles('**/.kluctl.{yaml,yml}', '**/{node_modules,.git}/**', 500)
        : [];
    const dirs = new Map<string, vscode.WorkspaceFolder>();
    for (const folder of folders) dirs.set(folder.uri.fsPath, folder);
    for (const file of files) {
      const folder = vscode.workspace.getWorkspaceFolder(file);
      if (folder) dirs.set(path.dirname(file.fsPath), folder);
    }
    const found: WorkspaceProject[] = [];
    const seen = new Set<string>();
    for (const [dir, folder] of dirs) {
      try {
        const project = await findLocalProject(dir);
        const key = `${project.repoKey.host}/${project.repoKey.path}\n${project.subDir}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ ...project, folder });
      } catch {
        // Not a Git checkout with an origin: nothing to match.
      }
    }
    this.projects = found;
  }
}
