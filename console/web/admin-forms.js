// Admin actions on the chosen version, as in DVID's own console with ?admin=1: commit an open
// version; from a committed one, a new version, a branch or a merge. Each asks for a note. The page
// loads this module only in an admin console.
import { h, replace } from "./dom.js";
import { shortUuid, truncate } from "./format.js";
import { lineage } from "./dag-layout.js";

function field(label, control, help) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control, help ? h("span", { class: "field-help" }, help) : null);
}

function noteField(placeholder) {
  return field("Note", h("textarea", { name: "note", rows: 2, required: true, placeholder, maxlength: 2000 }));
}


/**
 * A form that runs `act(formData)` on submit and reports the outcome: the error in words inside
 * the form, or `onDone(result)` on success.
 */
function actionForm(action, title, description, fields, submitLabel, act, onDone) {
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const button = h("button", { type: "submit", class: "button button-primary" }, submitLabel);
  const fieldset = h("fieldset", {}, fields, h("div", { class: "form-actions" }, button));
  const form = h(
    "form",
    { class: "action-form", dataset: { action }, novalidate: true },
    h("h3", {}, title),
    h("p", { class: "hint" }, description),
    fieldset,
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    const note = String(data.get("note") ?? "").trim();
    if (note === "") {
      error.textContent = "Write a note: it says what this version is.";
      error.hidden = false;
      form.querySelector("textarea[name=note]")?.focus();
      return;
    }
    fieldset.disabled = true;
    form.classList.add("busy");
    try {
      const result = await act(data, note);
      await onDone(result);
    } catch (err) {
      error.textContent = err?.message ?? String(err);
      error.hidden = false;
    } finally {
      fieldset.disabled = false;
      form.classList.remove("busy");
    }
  });
  return form;
}

/**
 * Renders the actions for version `node` (from layoutDag; `nodes` are all of the repo's).
 * `onDone({ uuid, message })` runs after a change, with the version to show next.
 */
export function renderActions(container, { api, node, nodes, onDone }) {
  const forms = [];
  if (!node.locked) {
    forms.push(
      actionForm(
        "commit",
        "Commit",
        "Locks this version: its data can no longer change, and new versions can start from it.",
        [noteField("What this version holds")],
        "Commit version",
        async (_data, note) => {
          await api.commit(node.uuid, note);
          return { uuid: node.uuid, message: `Committed version ${shortUuid(node.uuid)}.` };
        },
        onDone,
      ),
    );
  } else {
    forms.push(
      actionForm(
        "newversion",
        "New version",
        `An open child of this version on branch ${node.branch}.`,
        [noteField("What will change")],
        "Create version",
        async (_data, note) => {
          const child = await api.newVersion(node.uuid, note);
          return { uuid: child, message: `Created version ${shortUuid(child)} on ${node.branch}.` };
        },
        onDone,
      ),
      actionForm(
        "branch",
        "Branch",
        "An open child of this version on a new branch.",
        [
          field("Branch name", h("input", { name: "branch", type: "text", required: true, autocomplete: "off", spellcheck: "false", placeholder: "e.g. proofreading" })),
          noteField("Why this branch"),
        ],
        "Create branch",
        async (data, note) => {
          const name = String(data.get("branch") ?? "").trim();
          if (name === "") throw new Error("Name the branch.");
          const child = await api.branch(node.uuid, name, note);
          return { uuid: child, message: `Created branch ${name} at version ${shortUuid(child)}.` };
        },
        onDone,
      ),
    );
    // Merging with an ancestor or a descendant brings nothing new: offer the other lines only.
    const related = new Set([...lineage(node.uuid, nodes, "parents"), ...lineage(node.uuid, nodes, "children")]);
    const partners = nodes.filter((n) => n.locked && !related.has(n.uuid));
    forms.push(
      partners.length === 0
        ? h(
            "div",
            { class: "action-form", dataset: { action: "merge" } },
            h("h3", {}, "Merge"),
            h("p", { class: "hint" }, "No committed version outside this version's own ancestors and descendants to merge with."),
          )
        : actionForm(
            "merge",
            "Merge",
            "An open version whose parents are this version and the versions chosen (all committed). DVID merges without checking for conflicts.",
            [
              h(
                "div",
                { class: "field" },
                h("span", { class: "field-label" }, "Merge with"),
                h(
                  "div",
                  { class: "checklist" },
                  partners.map((p) =>
                    h(
                      "label",
                      { class: "check" },
                      h("input", { type: "checkbox", name: "parents", value: p.uuid }),
                      h("code", {}, shortUuid(p.uuid)),
                      h("span", { class: "pill pill-branch pill-small" }, p.branch),
                      p.note ? h("span", { class: "muted" }, truncate(p.note, 40)) : null,
                    ),
                  ),
                ),
              ),
              noteField("What the merge brings together"),
            ],
            "Merge versions",
            async (data, note) => {
              const others = data.getAll("parents").map(String);
              if (others.length === 0) throw new Error("Choose at least one version to merge with.");
              const child = await api.merge([node.uuid, ...others], note);
              return { uuid: child, message: `Merged into version ${shortUuid(child)}.` };
            },
            onDone,
          ),
    );
  }
  replace(container, h("header", { class: "card-header" }, h("h2", {}, "Actions"), h("span", { class: "pill pill-admin" }, "admin")), forms);
}
