// The composer: the message being written, the message it replies to, the files uploading for
// it, and the typing signals that go with it. Enter sends, Shift+Enter starts a new line.
import { byId, h, keepingFocus } from "../dom.js";
import { conversation, displayName, on, state } from "../store.js";

// A character that draws something: not a space, a combining mark, or an invisible format
// character (zero-width, direction). A body of none is empty, as the server counts it.
const SHOWS_SOMETHING = /[^\p{White_Space}\p{Mn}\p{Me}\p{Cf}\p{Cc}]/u;

export function mountComposer(actions, { draftPeer, draftSent }) {
  const form = byId("composer");
  const text = byId("composer-text");
  const fileInput = byId("file-input");
  let replyTo = null;
  let startingConversation = false;
  let uploads = [];
  let uploadCount = 0;
  // What was being written in each conversation left (room id, or "to-<user id>" for a 1-to-1
  // not started yet): its text, the message it replies to, its files. Each comes back with its
  // conversation, and never goes to another.
  const drafts = new Map();
  let draftKey = null;

  function showError(error) {
    byId("composer-error").textContent = error ? error.message : "";
  }

  // ---- replies ------------------------------------------------------------------------------

  function startReply(message) {
    showReply({ id: message.id, sender: message.sender, excerpt: message.body.slice(0, 100), deleted: false });
    text.focus();
  }

  function showReply(reply) {
    replyTo = reply;
    byId("reply-text").replaceChildren(
      "Replying to ",
      h("span", { dir: "auto" }, displayName(reply.sender)),
      ": ",
      reply.deleted ? h("em", {}, "a deleted message") : h("span", { dir: "auto" }, reply.excerpt),
    );
    byId("reply-bar").hidden = false;
    text.setAttribute("aria-describedby", "reply-text");
  }

  // The message replied to, deleted while the reply is written: the bar no longer quotes it.
  on("messages", ({ room } = {}) => {
    if (!replyTo || replyTo.deleted || room !== state.current) return;
    if (conversation(room).messages.get(replyTo.id)?.deleted) showReply({ ...replyTo, excerpt: "", deleted: true });
  });

  function cancelReply() {
    replyTo = null;
    byId("reply-bar").hidden = true;
    text.removeAttribute("aria-describedby");
  }
  byId("reply-cancel").addEventListener("click", () => {
    cancelReply();
    text.focus();
  });

  // ---- typing -------------------------------------------------------------------------------

  let typingSince = 0;
  let typingIdle = null;
  let typingIn = null;

  // Leaving a conversation mid-sentence stops the indicator there at once, not seconds later.
  function stopTyping() {
    clearTimeout(typingIdle);
    if (typingSince && typingIn !== null) actions.typing(typingIn, false);
    typingSince = 0;
  }
  text.addEventListener("input", () => {
    if (state.current === null) return;
    if (!text.value.trim()) {
      stopTyping();
      return;
    }
    clearTimeout(typingIdle);
    // Again every refresh_seconds while typing goes on, as the server expects.
    if (Date.now() - typingSince > state.typingRefreshMs) {
      typingIn = state.current;
      actions.typing(typingIn, true);
      typingSince = Date.now();
    }
    typingIdle = setTimeout(stopTyping, state.typingRefreshMs);
  });

  // ---- sending ------------------------------------------------------------------------------

  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape" && replyTo) {
      cancelReply(); // the text stays, sent as a message of its own
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(null);
    const body = text.value;
    if (uploads.some((upload) => !upload.attachment && !upload.error)) {
      showError(new Error("Wait for the uploads to finish."));
      return;
    }
    if (uploads.some((upload) => upload.error)) {
      showError(new Error("Remove the files that could not be uploaded first."));
      return;
    }
    const attachments = uploads.filter((upload) => upload.attachment).map((upload) => upload.attachment);
    if (attachments.length > actions.features.maxFilesPerMessage) {
      showError(new Error(`A message carries at most ${actions.features.maxFilesPerMessage} files: remove some.`));
      return;
    }
    if (!SHOWS_SOMETHING.test(body) && !attachments.length) return;
    // Characters as the server counts them (code points, not UTF-16 units).
    const length = [...body].length;
    if (length > actions.features.maxMessageLength) {
      showError(new Error(`A message is at most ${actions.features.maxMessageLength} characters: this one has ${length}.`));
      return;
    }
    // Sending stops the typing indicator on the server's side.
    clearTimeout(typingIdle);
    typingSince = 0;
    const peer = draftPeer();
    if (peer) {
      // The first message starts the conversation over REST: Enter pressed again meanwhile
      // would start it with a copy, and what is typed meanwhile stays for after.
      if (startingConversation) {
        showError(new Error("Wait for the conversation to start, then send this."));
        return;
      }
      startingConversation = true;
      const written = text.value;
      try {
        const roomId = await actions.sendDirect(peer, body);
        if (text.value === written) text.value = "";
        draftSent(roomId);
      } catch (error) {
        showError(error);
      } finally {
        startingConversation = false;
      }
      return;
    }
    actions.send(state.current, body, replyTo, attachments);
    text.value = "";
    cancelReply();
    uploads = [];
    renderUploads();
  });

  // ---- attachments --------------------------------------------------------------------------

  byId("attach").addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files) startUpload(file);
    fileInput.value = "";
  });
  // Files pasted into the message (a screenshot) or dropped on the composer go as chosen ones.
  // A paste of text as well as files (a copied page) keeps its text.
  text.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length || state.current === null) return;
    if (!event.clipboardData.types.includes("text/plain")) event.preventDefault();
    for (const file of files) startUpload(file);
  });
  form.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
  });
  form.addEventListener("drop", (event) => {
    const files = [...(event.dataTransfer?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    if (state.current === null) return;
    for (const file of files) startUpload(file);
  });

  // Uploads go as many at a time as the server takes from one user; the others wait their turn.
  const waiting = [];
  let sending = 0;

  function startUpload(file) {
    const upload = { id: `upload-${++uploadCount}`, file, room: state.current, progress: 0, attachment: null, error: null, bar: null };
    uploads.push(upload);
    const limit = actions.features.maxUploadBytes;
    if (file.size > limit) {
      // The server would refuse it only once it had come this far (413): said at once instead.
      upload.error = `Over the limit of ${(limit / 1048576).toFixed(1)} MiB a file.`;
      byId("upload-status").textContent = `${file.name} cannot be uploaded: ${upload.error}`;
      renderUploads();
      return;
    }
    waiting.push(upload);
    renderUploads();
    sendWaitingUploads();
  }

  function sendWaitingUploads() {
    while (sending < actions.features.uploadsAtOnce && waiting.length) {
      const upload = waiting.shift();
      if (upload.removed) continue;
      sending += 1;
      upload.started = true;
      renderUploads();
      actions
        .upload(upload.room, upload.file, (fraction) => {
          upload.progress = fraction;
          if (upload.bar) upload.bar.value = fraction;
        })
        .then(
          (attachment) => {
            upload.attachment = attachment;
            byId("upload-status").textContent = `${upload.file.name} is uploaded.`;
          },
          (error) => {
            upload.error = error.message;
            byId("upload-status").textContent = `${upload.file.name} could not be uploaded: ${error.message}`;
          },
        )
        .finally(() => {
          sending -= 1;
          renderUploads();
          sendWaitingUploads();
        });
    }
  }

  function renderUploads() {
    // A file removed takes its button: the focus goes to the next file's, or to the message.
    const list = byId("uploads");
    keepingFocus(list, () => drawUploads(list), () => list.querySelector("button") ?? text);
  }

  function drawUploads(list) {
    list.replaceChildren(
      ...uploads.map((upload) => {
        const done = upload.attachment || upload.error;
        upload.bar = done ? null : h("progress", { id: upload.id, max: 1, value: upload.progress });
        return h(
          "li",
          { class: "row" },
          upload.bar
            ? h("label", { for: upload.id, class: "grow" }, `${upload.started ? "Uploading" : "Waiting to upload"} ${upload.file.name}`)
            : h("span", { class: "grow" }, upload.file.name),
          upload.bar,
          upload.error ? h("span", { class: "error" }, upload.error) : upload.attachment ? h("span", { class: "hint" }, "ready") : null,
          h("button", {
            type: "button",
            class: "secondary",
            "data-focus": upload.id,
            "aria-label": `Remove ${upload.file.name}`,
            onclick: () => {
              upload.removed = true;
              uploads = uploads.filter((item) => item !== upload);
              renderUploads();
            },
          }, "Remove"),
        );
      }),
    );
  }

  function switchDraft(key) {
    stopTyping();
    if (draftKey !== null && (text.value || replyTo || uploads.length)) {
      drafts.set(draftKey, { text: text.value, replyTo, uploads });
    }
    const draft = drafts.get(key);
    drafts.delete(key);
    draftKey = key;
    text.value = draft?.text ?? "";
    uploads = draft?.uploads ?? [];
    cancelReply();
    if (draft?.replyTo) showReply(draft.replyTo);
    renderUploads();
  }

  // A send the server refused, back in the composer to change: its text, its reply, its files.
  // Not over a message being written, which would be lost: whether it was put back.
  function restore(pending) {
    if (text.value.trim() || uploads.length) {
      showError(new Error("Send or clear the message you are writing first: Edit puts the one not sent in its place."));
      return false;
    }
    text.value = pending.body;
    cancelReply();
    if (pending.reply_to) startReply({ ...pending.reply_to, body: pending.reply_to.excerpt ?? pending.reply_to.body ?? "" });
    uploads = pending.attachments.map((attachment) => ({ id: `upload-${++uploadCount}`, file: { name: attachment.name }, attachment, error: null, bar: null }));
    renderUploads();
    text.focus();
    return true;
  }

  return {
    startReply,
    showError,
    restore,
    // Another conversation opened (or none): what was written for the last one stays with it,
    // and this one's comes back.
    reset(closed) {
      const peer = draftPeer();
      const key = state.current ?? (peer ? `to-${peer.id}` : null);
      if (key !== draftKey) switchDraft(key);
      showError(null);
      form.hidden = closed;
      byId("attach").hidden = state.current === null;
      if (!closed) text.focus();
    },
    // The open conversation takes no more messages (its other person deleted their account).
    hide() {
      form.hidden = true;
    },
    // Signed out: nothing written is left for whoever signs in next on this page.
    forgetDrafts() {
      switchDraft(null);
      drafts.clear();
      // Files still waiting their turn were chosen by the user signing out: never sent as
      // whoever signs in next.
      for (const upload of waiting.splice(0)) upload.removed = true;
    },
  };
}
