// The Integrations page: copy buttons, confirmation dialogs, no double submits.
// Without this file the page still works: the text fields can be copied by hand and
// the server asks for confirmation on a page of its own.
(function () {
  "use strict";

  function selectField(input) {
    input.focus();
    input.select();
  }

  function copyWithSelection(input) {
    selectField(input);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function announce(button, text) {
    if (!button.dataset.label) {
      button.dataset.label = button.textContent;
    }
    button.textContent = text;
    window.setTimeout(function () {
      button.textContent = button.dataset.label;
    }, 2000);
  }

  function copy(button) {
    var input = document.getElementById(button.dataset.copy);
    if (!input) {
      return;
    }
    var fallback = function () {
      announce(button, copyWithSelection(input) ? "Copied" : "Press Ctrl+C to copy");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () {
        selectField(input);
        announce(button, "Copied");
      }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var copyButton = event.target.closest("[data-copy]");
    if (copyButton) {
      copy(copyButton);
      return;
    }
    var closeButton = event.target.closest("[data-close-dialog]");
    if (closeButton) {
      closeButton.closest("dialog").close();
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input[data-select-on-focus]")) {
      event.target.select();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var dialog = form.dataset.confirm && document.getElementById(form.dataset.confirm);
    if (dialog && typeof dialog.showModal === "function") {
      // Ask here instead of on the server's confirmation page.
      event.preventDefault();
      dialog.showModal();
      return;
    }
    // One click, one key: a second submit would kill the key the first one shows.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Coming back through the history cache must not leave the buttons dead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("button[type=submit][disabled]").forEach(function (button) {
        button.disabled = false;
      });
    }
  });
})();
