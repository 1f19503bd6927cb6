// What the page was asked to show, from its URL:
//   ?server=http://host:port   the DVID to talk to (default: the page's own origin)
//   ?nodes=url1,url2,…         the cluster's other nodes, shown with their health
//   ?admin=1                   commit, new version, branch and merge forms (as DVID's own console)
//   ?viewer=URL                neuroglancer's page (default: /ng/ of the page's origin, where
//                              local-dvid and `dvidcloud view` serve it next to the console)
//   #repo=<uuid>&version=<uuid> what is selected
import { serverOrigin } from "./neuroglancer-url.js";

/** The configuration and, in `problems`, every query value that was refused and why. */
export function parseConfig(location) {
  const params = new URLSearchParams(location.search);
  const problems = [];
  let server = location.origin;
  const asked = params.get("server");
  if (asked !== null && asked !== "") {
    try {
      server = serverOrigin(asked, "?server", "console");
    } catch (err) {
      problems.push(err.message);
    }
  }
  const nodes = [server];
  for (const entry of (params.get("nodes") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    try {
      const origin = serverOrigin(entry, "each of ?nodes", "console");
      if (!nodes.includes(origin)) nodes.push(origin);
    } catch (err) {
      problems.push(err.message);
    }
  }
  const admin = ["1", "true", "yes"].includes((params.get("admin") ?? "").toLowerCase());
  let viewer = `${location.origin}/ng/`;
  const askedViewer = params.get("viewer");
  if (askedViewer !== null && askedViewer !== "") {
    try {
      const url = new URL(askedViewer);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
      url.hash = "";
      viewer = url.toString();
    } catch {
      problems.push(`console: ?viewer must be the http(s) URL of neuroglancer's page; got ${JSON.stringify(askedViewer)}`);
    }
  }
  return Object.freeze({ server, nodes: Object.freeze(nodes), admin, viewer, problems: Object.freeze(problems) });
}

/** The selection in the URL fragment: `{ repo, version }` (either may be undefined). */
export function parseSelection(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return { repo: params.get("repo") ?? undefined, version: params.get("version") ?? undefined };
}

/** The fragment for a selection. */
export function selectionHash({ repo, version }) {
  const params = new URLSearchParams();
  if (repo) params.set("repo", repo);
  if (version) params.set("version", version);
  return `#${params.toString()}`;
}
