// Every node of the cluster with its health: a heartbeat per node (`GET /api/heartbeat`), its
// latency, and what `/api/server/info` says about it (DVID version, read-only mode).
import { h, replace } from "./dom.js";
import { hostOf } from "./format.js";

/** The last answer of each node: a new check keeps showing it until the new answer arrives. */
const health = new Map();

/** Checks every node, re-rendering `container` as answers arrive. Returns when all answered. */
export async function checkCluster(container, api, nodes) {
  for (const url of nodes) if (!health.has(url)) health.set(url, { status: "checking" });
  const draw = () => renderCluster(container, nodes, health, api.serverUrl);
  draw();
  await Promise.all(
    nodes.map(async (url) => {
      const beat = await api.heartbeat(url);
      let info;
      let infoError;
      if (beat.ok) {
        try {
          info = await api.serverInfo(url);
        } catch (err) {
          infoError = err.message;
        }
      }
      health.set(url, { status: beat.ok ? "up" : "down", ms: beat.ms, error: beat.error, info, infoError, at: new Date() });
      draw();
    }),
  );
}

function renderCluster(container, nodes, health, server) {
  const up = [...health.values()].filter((s) => s.status === "up").length;
  const checking = [...health.values()].some((s) => s.status === "checking");
  const summary = checking ? "checking…" : `${up} of ${nodes.length} up`;
  replace(
    container.querySelector(".cluster-summary"),
    h("span", { class: `pill ${checking ? "pill-muted" : up === nodes.length ? "pill-ok" : "pill-bad"}` }, summary),
  );
  replace(
    container.querySelector(".node-list"),
    nodes.map((url) => {
      const s = health.get(url);
      const readOnly = typeof s.info?.Mode === "string" && /read.?only/i.test(s.info.Mode);
      const role = url === server ? "this server" : "node";
      return h(
        "li",
        { class: `node node-${s.status}`, dataset: { url, status: s.status } },
        h("span", { class: "dot", title: s.status, "aria-label": s.status }),
        h(
          "div",
          { class: "node-main" },
          h("div", { class: "node-host" }, h("a", { href: url, target: "_blank", rel: "noopener" }, hostOf(url))),
          h(
            "div",
            { class: "node-meta" },
            h("span", {}, role),
            s.info ? h("span", {}, readOnly ? "read-only" : "writable") : null,
            s.info?.["DVID Version"] ? h("span", {}, s.info["DVID Version"]) : null,
          ),
          s.status === "down" ? h("div", { class: "node-error" }, s.error) : null,
          s.infoError ? h("div", { class: "node-error" }, `server info: ${s.infoError}`) : null,
        ),
        h(
          "span",
          { class: "latency", title: s.at ? `checked ${s.at.toLocaleTimeString()}` : "" },
          s.status === "checking" ? "…" : s.status === "up" ? `${Math.max(1, Math.round(s.ms))} ms` : "down",
        ),
      );
    }),
  );
}
