// The console page: the cluster's nodes and their health, the repos, the chosen repo's version DAG,
// the chosen version with its data instances, and (only with ?admin=1) the actions that change
// versions. It talks to nothing but DVID's HTTP API (dvid-api.js).
import { parseConfig, parseSelection, selectionHash } from "./config.js";
import { createDvidApi } from "./dvid-api.js";
import { h, replace } from "./dom.js";
import { hostOf, shortUuid, when } from "./format.js";
import { checkCluster } from "./cluster-view.js";
import { renderRepoList } from "./repos-view.js";
import { layoutDag, MASTER } from "./dag-layout.js";
import { renderDag } from "./dag-view.js";
import { renderVersion } from "./version-view.js";
import { loadInstances } from "./instances-view.js";

const HEALTH_EVERY_MS = 15_000;

const config = parseConfig(window.location);
const api = createDvidApi(config.server, { admin: config.admin });
const $ = (id) => document.getElementById(id);

const state = {
  /** `[{ root, repo }]` sorted by alias, or undefined before the first answer. */
  repos: undefined,
  /** Bumped on every selection change, so late answers for an old one are dropped. */
  generation: 0,
};

// ---------------------------------------------------------------------------------- messages

function message(kind, text) {
  const box = $("messages");
  const item = h(
    "div",
    { class: `message message-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { class: "message-text" }, text),
    h("button", { type: "button", class: "message-close", "aria-label": "Dismiss", onClick: () => item.remove() }, "×"),
  );
  if (kind === "success") for (const old of box.querySelectorAll(".message-success")) old.remove();
  box.append(item);
  return item;
}

const showError = (text) => message("error", text);
const showSuccess = (text) => message("success", text);

// ---------------------------------------------------------------------------------- selection

function findRepoOf(ref) {
  if (!ref || !state.repos) return undefined;
  return (
    state.repos.find(({ root }) => root === ref) ??
    state.repos.find(({ repo }) => Object.hasOwn(repo.DAG?.Nodes ?? {}, ref)) ??
    state.repos.find(({ repo }) => Object.keys(repo.DAG?.Nodes ?? {}).some((u) => u.startsWith(ref)))
  );
}

/** The master leaf: the newest version on master, else the newest version. */
function defaultVersion(layout) {
  const master = layout.nodes.filter((n) => n.branch === MASTER);
  const pool = master.length > 0 ? master : layout.nodes;
  return pool.reduce((best, n) => (best === undefined || n.versionId > best.versionId ? n : best), undefined);
}

function select(selection, { replaceHistory = false } = {}) {
  const hash = selectionHash(selection);
  if (hash === window.location.hash) return render();
  if (replaceHistory) history.replaceState(null, "", hash);
  else history.pushState(null, "", hash);
  render();
}

// ---------------------------------------------------------------------------------- loading

async function loadRepos() {
  replace($("repo-list"), h("li", { class: "muted" }, "Loading…"));
  try {
    const info = await api.reposInfo();
    if (typeof info !== "object" || info === null) throw new Error("GET /api/repos/info did not return an object of repos");
    state.repos = Object.entries(info)
      .map(([root, repo]) => ({ root, repo }))
      .sort((a, b) => (a.repo.Alias || "\uffff").localeCompare(b.repo.Alias || "\uffff") || a.root.localeCompare(b.root));
  } catch (err) {
    state.repos = [];
    replace($("repo-list"), h("li", { class: "error-text" }, "Could not list repos."));
    showError(err.message);
  }
}

// ---------------------------------------------------------------------------------- rendering

let adminModule;

function render() {
  const generation = ++state.generation;
  if (!state.repos) return;
  const wanted = parseSelection(window.location.hash);
  const named = findRepoOf(wanted.repo);
  const found = named ?? findRepoOf(wanted.version) ?? state.repos[0];
  if (wanted.repo && !named && state.repos.length > 0) showError(`No repo on ${hostOf(config.server)} has a version ${wanted.repo}.`);

  renderRepoList($("repo-list"), state.repos, found?.root, (root) => select({ repo: root }));
  $("repo-count").textContent = String(state.repos.length);

  const detail = $("repo-detail");
  const versionCard = $("version-detail");
  const actionsCard = $("actions");
  const instancesCard = $("instances");
  if (!found) {
    replace(detail, h("div", { class: "empty-state" }, h("h2", {}, "No repos yet"), h("p", {}, `The DVID at ${config.server} holds no repos. Create one with the volume-client or DVID's API (POST /api/repos).`)));
    for (const el of [versionCard, actionsCard, instancesCard]) el.hidden = true;
    return;
  }
  const { root, repo } = found;
  const layout = layoutDag(repo.DAG?.Nodes ?? {});
  const byUuid = new Map(layout.nodes.map((n) => [n.uuid, n]));
  let node = wanted.version ? byUuid.get(wanted.version) ?? layout.nodes.find((n) => n.uuid.startsWith(wanted.version)) : undefined;
  if (wanted.version && !node) showError(`Repo ${repo.Alias || shortUuid(root)} has no version ${wanted.version}.`);
  node ??= defaultVersion(layout);

  const log = Array.isArray(repo.Log) ? repo.Log : [];
  replace(
    detail,
    h(
      "header",
      { class: "card-header repo-header" },
      h(
        "div",
        {},
        h("h2", { class: "repo-title" }, repo.Alias || h("em", {}, "no alias")),
        repo.Description ? h("p", { class: "repo-text" }, repo.Description) : null,
      ),
      h(
        "dl",
        { class: "repo-facts" },
        h("dt", {}, "Root"),
        h("dd", {}, h("code", { title: root }, shortUuid(root))),
        h("dt", {}, "Versions"),
        h("dd", { class: "version-count" }, String(layout.nodes.length)),
        h("dt", {}, "Branches"),
        h("dd", {}, String(layout.lanes.length)),
        repo.Updated ? [h("dt", {}, "Updated"), h("dd", {}, when(repo.Updated))] : null,
      ),
    ),
    h("div", { id: "dag" }),
    log.length > 0 ? h("details", { class: "log" }, h("summary", {}, `Repo log (${log.length})`), h("ol", {}, log.map((e) => h("li", {}, e)))) : null,
  );
  renderDag($("dag"), layout, node?.uuid, (uuid) => select({ repo: root, version: uuid }));

  if (!node) {
    for (const el of [versionCard, actionsCard, instancesCard]) el.hidden = true;
    return;
  }
  versionCard.hidden = false;
  instancesCard.hidden = false;
  renderVersion(versionCard, node, repo.DAG.Nodes[node.uuid], (uuid) => select({ repo: root, version: uuid }));

  actionsCard.hidden = !config.admin;
  if (config.admin && adminModule) {
    adminModule.renderActions(actionsCard, {
      api,
      node,
      nodes: layout.nodes,
      onDone: async ({ uuid, message: text }) => {
        await loadRepos();
        showSuccess(text);
        select({ repo: root, version: uuid });
      },
    });
  }

  loadInstances(instancesCard, {
    api,
    config,
    repo,
    uuid: node.uuid,
    nodes: layout.nodes,
    isCurrent: () => generation === state.generation,
  }).catch((err) => showError(err.message));
}

// ---------------------------------------------------------------------------------- start

async function refreshHealth() {
  try {
    await checkCluster($("cluster"), api, config.nodes);
  } catch (err) {
    showError(`checking the cluster failed: ${err.message}`);
  }
}

async function start() {
  document.title = `DVID console · ${hostOf(config.server)}`;
  $("server-label").textContent = config.server;
  $("server-label").title = `DVID at ${config.server}`;
  const mode = $("mode-badge");
  mode.textContent = config.admin ? "admin" : "read-only";
  mode.className = `pill ${config.admin ? "pill-admin" : "pill-muted"}`;
  mode.title = config.admin ? "Actions that change versions are on" : "Open with ?admin=1 to commit, branch or merge";
  for (const problem of config.problems) showError(problem);

  if (config.admin) adminModule = await import("./admin-forms.js");

  $("check-nodes").addEventListener("click", () => void refreshHealth());
  $("reload").addEventListener("click", async () => {
    await loadRepos();
    render();
  });
  window.addEventListener("hashchange", () => render());

  void refreshHealth();
  setInterval(() => void refreshHealth(), HEALTH_EVERY_MS);
  await loadRepos();
  render();
  document.body.dataset.ready = "true";
}

// For tests and the curious: what the page runs on. `api` refuses changes unless ?admin=1.
window.dvidConsole = Object.freeze({ config, api });

start().catch((err) => showError(`the console failed to start: ${err?.message ?? err}`));
