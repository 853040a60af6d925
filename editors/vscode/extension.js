// The Moat extension: highlighting comes from syntaxes/moat.tmLanguage.json (no code needed); this file
// starts the Moat language server, `moat lsp`, which speaks LSP 3.17 over stdio, for .moat files.
// Plain CommonJS, so there is nothing to compile: `npm install` fetches vscode-languageclient, and
// `npx vsce package` builds the .vsix (README.md).
"use strict";

const vscode = require("vscode");

/** vscode-languageclient, loaded when first needed: without `npm install` highlighting still works. */
let languageClient;
function clientLibrary() {
  if (languageClient === undefined) {
    try {
      languageClient = require("vscode-languageclient/node");
    } catch (error) {
      languageClient = null;
      vscode.window.showWarningMessage(
        "Moat: vscode-languageclient is not installed, so the language server does not start " +
          "(highlighting works). Run `npm install` in the extension's folder, or install the packaged .vsix."
      );
    }
  }
  return languageClient;
}

/** @type {import("vscode-languageclient/node").LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

/** The server command from the settings: `moat.path lsp moat.lsp.arguments…`. */
function serverCommand() {
  const config = vscode.workspace.getConfiguration("moat");
  const command = (config.get("path") || "moat").trim() || "moat";
  const extra = config.get("lsp.arguments") || [];
  return { command, args: ["lsp", ...extra.map(String)] };
}

async function startClient(context) {
  if (!vscode.workspace.getConfiguration("moat").get("lsp.enabled", true)) {
    return;
  }
  const library = clientLibrary();
  if (!library) {
    return;
  }
  const { LanguageClient, TransportKind } = library;
  const { command, args } = serverCommand();
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  /** @type {import("vscode-languageclient/node").ServerOptions} */
  const serverOptions = {
    command,
    args,
    transport: TransportKind.stdio,
    options: folder ? { cwd: folder.uri.fsPath } : {},
  };
  /** @type {import("vscode-languageclient/node").LanguageClientOptions} */
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "moat" },
      { scheme: "untitled", language: "moat" },
    ],
    synchronize: {
      // Included files and baselines change findings too: tell the server when they change on disk.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/*.moat"),
        vscode.workspace.createFileSystemWatcher("**/.moat-baseline.json"),
      ],
    },
    outputChannel: output,
  };
  // The id "moat" makes the client read the moat.trace.server setting.
  client = new LanguageClient("moat", "Moat language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    client = undefined;
    const choice = await vscode.window.showErrorMessage(
      `Moat: could not start "${command} ${args.join(" ")}": ${message}. ` +
        "Install moat or set moat.path to the program.",
      "Open settings"
    );
    if (choice === "Open settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "moat.path");
    }
  }
}

async function stopClient() {
  const running = client;
  client = undefined;
  if (running && running.state !== clientLibrary().State.Stopped) {
    await running.stop();
  }
}

async function restartClient(context) {
  await stopClient();
  await startClient(context);
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel("Moat");
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand("moat.restartServer", () => restartClient(context)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (
        event.affectsConfiguration("moat.path") ||
        event.affectsConfiguration("moat.lsp.enabled") ||
        event.affectsConfiguration("moat.lsp.arguments")
      ) {
        restartClient(context);
      }
    })
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
