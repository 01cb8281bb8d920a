/* django-eyt-notify: the notification bell.
 *
 * Everything that comes from the server is put on the page with textContent and DOM calls, never innerHTML, so a
 * title like <img src=x onerror=alert(1)> shows as text. Live updates come from Server-Sent Events when the page
 * has a stream URL; without one (or when the stream is refused) the bell polls unread-count/ with its ETag.
 * Each bell dispatches "eyt-notify:changed" on document with {unreadCount} whenever its count changes.
 */
(function () {
  "use strict";

  function Bell(root) {
    this.root = root;
    this.button = root.querySelector("[data-eyt-button]");
    this.panel = root.querySelector("[data-eyt-panel]");
    this.list = root.querySelector("[data-eyt-list]");
    this.empty = root.querySelector("[data-eyt-empty]");
    this.badge = root.querySelector("[data-eyt-badge]");
    this.badgeLabel = root.querySelector("[data-eyt-badge-label]");
    this.status = root.querySelector("[data-eyt-status]");
    this.data = root.dataset;
    this.count = parseInt(this.badge.textContent, 10) || 0;
    this.etag = null;
    this.pollTimer = null;
    this.bind();
    this.connect();
  }

  Bell.prototype.bind = function () {
    var bell = this;
    this.button.addEventListener("click", function () {
      bell.isOpen() ? bell.close(true) : bell.open();
    });
    this.root.querySelector("[data-eyt-mark-all]").addEventListener("click", function () {
      bell.post(bell.data.markAllUrl).then(function (body) {
        bell.setCount(body.unread_count);
        return bell.refresh();
      });
    });
    this.root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bell.isOpen()) {
        event.preventDefault();
        bell.close(true);
      }
    });
    document.addEventListener("click", function (event) {
      if (bell.isOpen() && !bell.root.contains(event.target)) bell.close(false);
    });
  };

  Bell.prototype.isOpen = function () {
    return this.button.getAttribute("aria-expanded") === "true";
  };

  Bell.prototype.open = function () {
    var bell = this;
    this.button.setAttribute("aria-expanded", "true");
    this.panel.hidden = false;
    this.refresh().then(function () {
      var first = bell.list.querySelector("a, button");
      (first || bell.panel).focus();
    });
  };

  Bell.prototype.close = function (returnFocus) {
    this.button.setAttribute("aria-expanded", "false");
    this.panel.hidden = true;
    if (returnFocus) this.button.focus();
  };

  Bell.prototype.setCount = function (count) {
    if (typeof count !== "number" || count === this.count) return;
    this.count = count;
    this.badge.textContent = String(count);
    this.badge.hidden = count === 0;
    this.badgeLabel.textContent = count + " " + this.data.textUnread;
    document.dispatchEvent(new CustomEvent("eyt-notify:changed", { detail: { unreadCount: count } }));
  };

  Bell.prototype.request = function (url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    return fetch(url, options);
  };

  Bell.prototype.post = function (url) {
    return this.request(url, {
      method: "POST",
      headers: { "X-CSRFToken": this.data.csrfToken, "X-Requested-With": "XMLHttpRequest" },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  };

  /* Loads the recent notifications and the count; renders them when the panel is open. */
  Bell.prototype.refresh = function () {
    var bell = this;
    return this.request(this.data.recentUrl)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        bell.setCount(body.unread_count);
        bell.render(body.notifications);
      })
      .catch(function () {
        bell.status.textContent = bell.data.textError;
      });
  };

  /* Re-renders the list; a live update while the reader is on an item keeps their focus on that item. */
  Bell.prototype.render = function (notifications) {
    var bell = this;
    var focused = this.list.contains(document.activeElement) ? document.activeElement : null;
    var focusedId = focused && focused.closest("[data-id]").dataset.id;
    var focusedClass = focused && focused.className;
    this.list.replaceChildren();
    notifications.forEach(function (notification) {
      bell.list.appendChild(bell.item(notification));
    });
    this.empty.hidden = notifications.length > 0;
    this.empty.textContent = notifications.length ? "" : this.data.textEmpty;
    if (focused) {
      var item = this.list.querySelector('[data-id="' + focusedId + '"]');
      var again = item && (item.querySelector("." + focusedClass) || item.querySelector("a"));
      (again || this.panel).focus();
    }
  };

  Bell.prototype.item = function (notification) {
    var bell = this;
    var item = document.createElement("li");
    item.className = "eyt-bell__item" + (notification.is_read ? "" : " eyt-bell__item--unread");
    item.dataset.id = String(notification.id);
    item.dataset.priority = notification.priority;

    var link = document.createElement("a");
    link.href = notification.url;
    link.className = "eyt-bell__link";
    var title = document.createElement("span");
    title.className = "eyt-bell__title";
    title.textContent = notification.title;
    link.appendChild(title);
    if (notification.message) {
      var message = document.createElement("span");
      message.className = "eyt-bell__message";
      message.textContent = notification.message;
      link.appendChild(message);
    }
    var time = document.createElement("time");
    time.dateTime = notification.created_at;
    time.textContent = new Date(notification.created_at).toLocaleString();
    link.appendChild(time);
    item.appendChild(link);

    if (!notification.is_read) {
      var read = document.createElement("button");
      read.type = "button";
      read.className = "eyt-bell__read";
      read.textContent = this.data.textMarkRead;
      read.setAttribute("aria-label", this.data.textMarkRead + ": " + notification.title);
      read.addEventListener("click", function () {
        var url = bell.data.readUrl.replace(/0\/read\/$/, notification.id + "/read/");
        bell.post(url).then(function (body) {
          bell.setCount(body.unread_count);
          item.classList.remove("eyt-bell__item--unread");
          link.focus();
          read.remove();
        });
      });
      item.appendChild(read);
    }
    return item;
  };

  /* Live updates: a "count" event on every (re)connect, a "changed" event for every change. */
  Bell.prototype.connect = function () {
    var bell = this;
    if (!this.data.streamUrl || typeof EventSource === "undefined") {
      this.poll();
      return;
    }
    var source = new EventSource(this.data.streamUrl);
    source.addEventListener("open", function () {
      bell.root.dataset.live = "open";
    });
    source.addEventListener("count", function (event) {
      bell.root.dataset.live = "ready";
      bell.setCount(JSON.parse(event.data).unread_count);
      if (bell.isOpen()) bell.refresh();
    });
    source.addEventListener("changed", function () {
      bell.refresh();
    });
    source.addEventListener("error", function () {
      bell.root.dataset.live = source.readyState === EventSource.CLOSED ? "closed" : "reconnecting";
      if (source.readyState === EventSource.CLOSED) bell.poll(); // refused (logged out, stream off): poll instead
    });
  };

  Bell.prototype.poll = function () {
    var bell = this;
    var seconds = parseFloat(this.data.pollInterval) || 30;
    if (this.pollTimer) return;
    this.pollTimer = window.setInterval(function () {
      var headers = bell.etag ? { "If-None-Match": bell.etag } : {};
      bell.request(bell.data.countUrl, { headers: headers, cache: "no-store" }).then(function (response) {
        if (response.status !== 200) return;
        bell.etag = response.headers.get("ETag");
        return response.json().then(function (body) {
          var changed = body.unread_count !== bell.count;
          bell.setCount(body.unread_count);
          if (changed && bell.isOpen()) bell.refresh();
        });
      });
    }, seconds * 1000);
  };

  function start() {
    document.querySelectorAll("[data-eyt-bell]").forEach(function (root) {
      if (!root.eytBell) root.eytBell = new Bell(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
