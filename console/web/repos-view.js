// The repos on the server, with alias, description and size.
import { h, replace } from "./dom.js";
import { shortUuid } from "./format.js";

/** Lists `repos` (`[{ root, repo }]`) in `list`, marking `selectedRoot`; `onSelect(root)` on click. */
export function renderRepoList(list, repos, selectedRoot, onSelect) {
  if (repos.length === 0) {
    replace(list, h("li", { class: "empty" }, "No repos on this server yet."));
    return;
  }
  replace(
    list,
    repos.map(({ root, repo }) => {
      const versions = Object.keys(repo.DAG?.Nodes ?? {}).length;
      const instances = Object.keys(repo.DataInstances ?? {}).length;
      const selected = root === selectedRoot;
      return h(
        "li",
        { class: `repo${selected ? " selected" : ""}`, dataset: { root } },
        h(
          "a",
          {
            href: `#repo=${encodeURIComponent(root)}`,
            "aria-current": selected ? "true" : undefined,
            onClick: (ev) => {
              ev.preventDefault();
              onSelect(root);
            },
          },
          h("div", { class: "repo-alias" }, repo.Alias || h("em", {}, "no alias")),
          repo.Description ? h("div", { class: "repo-description" }, repo.Description) : null,
          h(
            "div",
            { class: "repo-meta" },
            h("code", {}, shortUuid(root)),
            h("span", {}, `${versions} version${versions === 1 ? "" : "s"}`),
            h("span", {}, `${instances} instance${instances === 1 ? "" : "s"}`),
          ),
        ),
      );
    }),
  );
}
