// The sign-in form, which also signs up: registration creates the account, then signs in the
// way the project's auth mode does.
import { byId } from "../dom.js";
import { sendJson } from "../http.js";
import { state } from "../store.js";

let handlers = null;

export function showSignIn(auth, onSignedIn, message) {
  handlers = { auth, onSignedIn };
  const form = byId("signin-form");
  if (!form.dataset.mounted) {
    form.dataset.mounted = "true";
    form.addEventListener("submit", submit);
    // The email is asked for signing up only: Enter there signs up, not in (the form's default).
    form.elements.email.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault();
      form.requestSubmit(form.querySelector('button[value="signup"]'));
    });
  }
  byId("signin").hidden = false;
  byId("signin-error").textContent = message ?? "";
  form.reset();
  byId("signin-username").focus();
}

// Where the keyboard starts once signed in (the form it was in is gone): the conversation a
// link opened, or the list of conversations, at its first room.
function startingPlace() {
  if (document.activeElement !== document.body) return null;
  if (state.current !== null) return byId("composer-text");
  const sidebar = byId("sidebar");
  return sidebar.querySelector("#room-list a") ?? sidebar.querySelector("button, input, a");
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const action = event.submitter?.value ?? "signin";
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  const error = byId("signin-error");
  error.textContent = "";
  if (!username || !password) {
    error.textContent = "Enter a username and a password.";
    return;
  }
  const buttons = form.querySelectorAll("button");
  // Disabled, the button pressed loses the focus: it gets it back if the form stays.
  const pressed = document.activeElement;
  for (const button of buttons) button.disabled = true;
  try {
    if (action === "signup") {
      const email = form.elements.email.value.trim();
      await sendJson("POST", "/api/auth/register/", { username, password, ...(email && { email }) }, await handlers.auth.headers("POST"));
    }
    await handlers.auth.signIn(username, password);
    form.reset();
    await handlers.onSignedIn();
    startingPlace()?.focus();
  } catch (problem) {
    error.textContent = problem.message;
  } finally {
    for (const button of buttons) button.disabled = false;
  }
  if (!byId("signin").hidden && form.contains(pressed) && document.activeElement === document.body) pressed.focus();
}
