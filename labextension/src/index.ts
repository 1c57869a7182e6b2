/**
 * QA Arena in JupyterLab (and Notebook 7).
 *
 * - A "Check my tests" button in the toolbar of QA Arena notebooks (those with a tests cell: tagged
 *   `qa-arena-tests`, or an nbgrader grade_id ending in `-tests`). It runs the notebook's check cell,
 *   whose answer shows in the notebook. It takes the place of nbgrader's Validate button there, which
 *   does not grade tests.
 * - Just before any check cell (`%qa_arena_check ...`) runs, the tests cell's text as it is on screen,
 *   unsaved edits included, is sent to the kernel (comm target `qa_arena_tests`): the comm_open goes
 *   out ahead of the execute request on the same channel, so the check grades what the student sees.
 * - In nbgrader's Assignment List, each QA Arena notebook's Validate button is replaced by "Check my
 *   tests", which opens the notebook and checks it: nbgrader's Validate cannot grade tests and said
 *   "passes all the tests" for any suite.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ToolbarButton, showDialog } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  INotebookModel,
  INotebookTracker,
  Notebook,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

const COMM_TARGET = 'qa_arena_tests';
const CHECK_MAGIC = '%qa_arena_check';

type CellLike = {
  type: string;
  getMetadata(key: string): any;
  sharedModel: { getSource(): string };
};

function isTestsCell(cell: CellLike): boolean {
  if (cell.type !== 'code') {
    return false;
  }
  const tags: unknown = cell.getMetadata('tags');
  const nbgrader = cell.getMetadata('nbgrader') as { grade_id?: string } | undefined;
  return (
    (Array.isArray(tags) && tags.includes('qa-arena-tests')) ||
    (typeof nbgrader?.grade_id === 'string' && nbgrader.grade_id.endsWith('-tests'))
  );
}

function isCheckCell(cell: CellLike): boolean {
  return cell.type === 'code' && cell.sharedModel.getSource().includes(CHECK_MAGIC);
}

function cells(notebook: Notebook): CellLike[] {
  const model = notebook.model;
  if (!model) {
    return [];
  }
  const found: CellLike[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    found.push(model.cells.get(i) as unknown as CellLike);
  }
  return found;
}

/** Send the tests cell's current text to the kernel, ahead of the check cell's execute request. */
function sendTestsOnScreen(panel: NotebookPanel): void {
  const tests = cells(panel.content).find(isTestsCell);
  const kernel = panel.sessionContext.session?.kernel;
  if (!tests || !kernel) {
    return;
  }
  const comm = kernel.createComm(COMM_TARGET);
  comm.open({ tests: tests.sharedModel.getSource() });
}

async function runCheckCell(panel: NotebookPanel): Promise<void> {
  const notebook = panel.content;
  const index = cells(notebook).findIndex(isCheckCell);
  if (index < 0) {
    await showDialog({
      title: 'No check cell',
      body: `This notebook has no check cell. Add a code cell with "${CHECK_MAGIC} PROBLEM" (the problem's name) and try again.`,
      buttons: [Dialog.okButton()]
    });
    return;
  }
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  await NotebookActions.run(notebook, panel.sessionContext);
  notebook.scrollToItem(index);
}

class CheckButtonExtension implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  createNew(panel: NotebookPanel): IDisposable {
    const button = new ToolbarButton({
      className: 'qa-arena-check-button',
      label: 'Check my tests',
      tooltip: 'Grade the tests cell as it is now against the hidden implementations (does not submit)',
      onClick: () => void runCheckCell(panel)
    });
    button.hide();
    panel.toolbar.insertItem(10, 'qa-arena-check', button);
    const update = () => {
      const qaArena = cells(panel.content).some(isTestsCell);
      button.setHidden(!qaArena);
      if (qaArena) {
        // nbgrader's Validate does not grade tests: the check takes its place in QA Arena notebooks.
        // nbgrader adds it as the toolbar item "runAll", a button of class validate-button.
        const names = Array.from(panel.toolbar.names());
        Array.from(panel.toolbar.children()).forEach((item, index) => {
          if (names[index] === 'runAll' || item.node.querySelector('.validate-button')) {
            item.hide();
          }
        });
      }
    };
    void panel.context.ready.then(() => {
      update();
      requestAnimationFrame(update); // after the other extensions have added their buttons
      setTimeout(update, 1000);
    });
    panel.content.model?.cells.changed.connect(update);
    return new DisposableDelegate(() => button.dispose());
  }
}

/** Open a notebook and check it: what the Assignment List's button does in place of Validate. */
async function openAndCheck(app: JupyterFrontEnd, path: string): Promise<void> {
  const widget = (await app.commands.execute('docmanager:open', { path })) as NotebookPanel;
  await widget.context.ready;
  await widget.sessionContext.ready;
  await runCheckCell(widget);
}

/** The path of an Assignment List notebook row: `[course/]assignment/notebook.ipynb`, whichever exists. */
async function notebookPath(app: JupyterFrontEnd, row: Element): Promise<string | null> {
  const container = row.closest('.assignment-notebooks');
  const owner = container?.parentElement;
  const notebook = row.querySelector('.item_name a')?.textContent?.trim();
  const assignment = owner?.querySelector('.item_name')?.textContent?.trim();
  const course = owner?.querySelector('.item_course')?.textContent?.trim();
  if (!notebook || !assignment) {
    return null;
  }
  const candidates = [`${assignment}/${notebook}.ipynb`];
  if (course) {
    candidates.push(`${course}/${assignment}/${notebook}.ipynb`);
  }
  for (const path of candidates) {
    try {
      const model = await app.serviceManager.contents.get(path, { content: true });
      const found = (model.content?.cells ?? []) as Array<{ cell_type: string; metadata: any }>;
      const qaArena = found.some(cell =>
        isTestsCell({
          type: cell.cell_type,
          getMetadata: (key: string) => cell.metadata?.[key],
          sharedModel: { getSource: () => '' }
        })
      );
      return qaArena ? path : null;
    } catch {
      // not there: try the next layout
    }
  }
  return null;
}

/** Replace the Validate button of one Assignment List row, once it is known to be a QA Arena notebook. */
async function replaceValidate(app: JupyterFrontEnd, button: HTMLButtonElement): Promise<void> {
  button.dataset.qaArena = 'seen';
  const row = button.closest('.nested_list_item');
  const path = row ? await notebookPath(app, row) : null;
  if (!path) {
    return;
  }
  const check = document.createElement('button');
  check.className = 'btn btn-default btn-xs qa-arena-list-check';
  check.innerText = 'Check my tests';
  check.title = 'Open this notebook and grade its tests cell against the hidden implementations (does not submit)';
  check.onclick = () => void openAndCheck(app, path);
  button.style.display = 'none';
  button.insertAdjacentElement('afterend', check);
}

function watchAssignmentList(app: JupyterFrontEnd): void {
  const scan = () => {
    document
      .querySelectorAll<HTMLButtonElement>('.nested_list_item .item_status button:not([data-qa-arena])')
      .forEach(button => {
        if (button.textContent?.trim() === 'Validate') {
          void replaceValidate(app, button);
        }
      });
  };
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  scan();
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@qa-arena/jupyterlab:check',
  description: 'Check my tests: grade the tests cell as it is on screen.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker) => {
    app.docRegistry.addWidgetExtension('Notebook', new CheckButtonExtension());
    watchAssignmentList(app);
    NotebookActions.executionScheduled.connect((_, { notebook, cell }) => {
      if (!isCheckCell(cell.model as unknown as CellLike)) {
        return;
      }
      const panel = tracker.find(p => p.content === notebook);
      if (panel) {
        sendTestsOnScreen(panel);
      }
    });
  }
};

export default plugin;
