;;; datapipe-tests.el --- ERT tests of datapipe.el against the real binary -*- lexical-binding: t; -*-

;;; Commentary:

;; Run: DATAPIPE_BIN=.build/debug/datapipe emacs --batch -Q -L clients/editor \
;;        -l clients/editor/datapipe-tests.el -f ert-run-tests-batch-and-exit
;; Each test has a temp dir of its own: HOME, a config file, two profiles
;; (alice and bob, each with its own file repo) and a file-protocol pipe
;; `demo' whose remote is a folder.

;;; Code:

(require 'ert)
(require 'datapipe)

(defvar datapipe-tests--messages nil
  "Messages shown during a test, newest first.")

(defun datapipe-tests--record-message (format-string &rest args)
  "Keeps what `message' shows (FORMAT-STRING, ARGS)."
  (when format-string
    (push (apply #'format-message format-string args) datapipe-tests--messages))
  nil)

(defun datapipe-tests--write (file text)
  "Writes TEXT to FILE, creating its folder."
  (make-directory (file-name-directory file) t)
  (with-temp-file file (insert text)))

(defun datapipe-tests--read (file)
  "The text of FILE."
  (with-temp-buffer (insert-file-contents file) (buffer-string)))

(defmacro datapipe-tests--with-world (&rest body)
  "Runs BODY with `root' bound to a fresh temp dir and the bridge on it."
  (declare (indent 0) (debug t))
  `(let* ((root (file-name-as-directory (make-temp-file "datapipe-el-" t)))
          (process-environment (append (list (concat "HOME=" root "home")) process-environment))
          (datapipe-program (or (getenv "DATAPIPE_BIN") datapipe-program))
          (datapipe-config (concat root "cfg.json"))
          (datapipe-profile "alice")
          (datapipe-request-timeout 120)
          (datapipe-last-progress nil)
          (datapipe-tests--messages nil))
     (should (file-executable-p datapipe-program))
     (make-directory (concat root "home") t)
     (unwind-protect
         (cl-letf (((symbol-function 'message) #'datapipe-tests--record-message))
           ,@body)
       (datapipe-shutdown)
       (delete-directory root t))))

(defun datapipe-tests--setup-profile (root profile)
  "Creates PROFILE with its file repo under ROOT and the pipe demo."
  (datapipe-switch-profile profile)
  (datapipe-call "config.init" (list :filerepo (concat root profile)))
  (datapipe-call "pipes.upsert"
                 (list :settings (list :name "demo" :protocol "file"
                                       :options (list :remotepath (concat root "shared"))))))

(ert-deftest datapipe-list-pipes-and-session ()
  (datapipe-tests--with-world
    (datapipe-tests--setup-profile root "alice")
    (should (equal (datapipe-list-pipes) '("demo")))
    (should (equal (car datapipe-tests--messages) "datapipe: pipes: demo"))
    (let ((info (datapipe-call "session.info")))
      (should (equal (plist-get info :profile) "alice"))
      (should (equal (plist-get info :mode) "local"))
      (should (equal (plist-get info :filerepo) (concat root "alice"))))))

(ert-deftest datapipe-push-preview-push-then-pull-into-second-profile ()
  (datapipe-tests--with-world
    (datapipe-tests--setup-profile root "alice")
    (datapipe-tests--write (concat root "alice/demo/prices.csv") "date,price\n2026-01-01,3\n")
    (let ((preview (datapipe-push-preview "demo")))
      (should (equal (plist-get preview :files) ["prices.csv"]))
      (should (equal (plist-get preview :bytes) 24))
      (should (equal (car datapipe-tests--messages)
                     "datapipe: push would send demo: 1 file, 24 bytes: prices.csv"))
      (should-not (file-exists-p (concat root "shared/prices.csv"))))
    (should (equal (plist-get (datapipe-push "demo") :files) ["prices.csv"]))
    (should (equal (datapipe-tests--read (concat root "shared/prices.csv")) "date,price\n2026-01-01,3\n"))
    ;; $/progress of the push, with the label the call passed as progress_token.
    (should (equal (plist-get datapipe-last-progress :token) "pipe.push demo"))
    (should (equal (plist-get datapipe-last-progress :kind) "end"))
    (should (equal (plist-get datapipe-last-progress :files_done) 1))
    (should (cl-some (lambda (m) (string-prefix-p "datapipe: pipe.push demo: " m)) datapipe-tests--messages))

    ;; bob, in the same bridge after session.configure, previews and pulls.
    (datapipe-tests--setup-profile root "bob")
    (should (equal (plist-get (datapipe-pull-preview "demo") :files) ["prices.csv"]))
    (should-not (file-exists-p (concat root "bob/demo/prices.csv")))
    (let ((pulled (datapipe-pull "demo")))
      (should (equal (plist-get pulled :files) ["prices.csv"]))
      (should (equal (plist-get pulled :kept) [])))
    (should (equal (datapipe-tests--read (concat root "bob/demo/prices.csv")) "date,price\n2026-01-01,3\n"))
    (should (equal (car datapipe-tests--messages) "datapipe: pulled demo: 1 file, 24 bytes: prices.csv"))
    (should (equal (plist-get (datapipe-call "pipe.is_synced" (list :pipe "demo")) :synced) t))))

(ert-deftest datapipe-restarted-bridge-uses-the-profile-option ()
  ;; After a restart the bridge runs with --profile (no session.configure).
  (datapipe-tests--with-world
    (datapipe-tests--setup-profile root "bob")
    (datapipe-tests--write (concat root "shared/new.csv") "x\n")
    (datapipe-shutdown)
    (should (equal datapipe-last-exit-status 0))
    (let ((datapipe-profile "bob"))
      (should (equal (plist-get (datapipe-call "session.info") :profile) "bob"))
      (should (equal (plist-get (datapipe-pull "demo") :files) ["new.csv"]))
      (should (equal (datapipe-tests--read (concat root "bob/demo/new.csv")) "x\n")))))

(ert-deftest datapipe-errors-are-messages-and-signals ()
  (datapipe-tests--with-world
    (datapipe-tests--setup-profile root "alice")
    ;; Interactive commands show the error and return nil.
    (should-not (datapipe-pull "nope"))
    (should (equal (car datapipe-tests--messages) "datapipe: pipe.pull: no pipe named nope (NotFound)"))
    ;; Lisp callers get a datapipe-error with the type and the error object.
    (let ((err (should-error (datapipe-call "pipe.pull" (list :pipe "nope")) :type 'datapipe-error)))
      (should (equal (nth 1 err) "NotFound"))
      (should (equal (plist-get (plist-get (nth 3 err) :data) :pipe) "nope"))
      (should (equal (plist-get (nth 3 err) :code) -32003)))
    (let ((err (should-error (datapipe-call "pipe.reset" (list :pipe "demo")) :type 'datapipe-error)))
      (should (equal (nth 1 err) "-32602")))
    ;; A local change not pushed makes a conflicting pull fail with Conflict.
    (datapipe-tests--write (concat root "alice/demo/a.csv") "mine\n")
    (datapipe-push "demo")
    (datapipe-tests--write (concat root "alice/demo/a.csv") "mine, changed\n")
    (datapipe-tests--write (concat root "shared/a.csv") "theirs\n")
    (let ((err (should-error (datapipe-call "pipe.pull" (list :pipe "demo" :cached :json-false))
                             :type 'datapipe-error)))
      (should (equal (nth 1 err) "Conflict"))
      (should (equal (plist-get (plist-get (nth 3 err) :data) :files) ["a.csv"])))
    (should (equal (datapipe-tests--read (concat root "alice/demo/a.csv")) "mine, changed\n"))
    ;; The bridge is still serving after the errors.
    (should (equal (datapipe-pipes) '("demo")))
    (datapipe-shutdown)
    (should (equal datapipe-last-exit-status 0))))

(defun datapipe-tests--start-server (root)
  "Starts `datapipe serve' on a free port with its database under ROOT.
Returns (PROCESS . URL)."
  (let* ((output (generate-new-buffer " *datapipe serve*"))
         (process (make-process :name "datapipe-serve" :buffer output :noquery t
                                :command (list datapipe-program "serve" "--listen" "127.0.0.1:0"
                                               "--db" (concat root "repo.db"))
                                :stderr (get-buffer-create " *datapipe serve stderr*"))))
    (with-timeout (60 (error "datapipe serve printed no port"))
      (while (not (with-current-buffer output (string-match-p "}" (buffer-string))))
        (accept-process-output process 0.1)))
    (let ((port (with-current-buffer output
                  (goto-char (point-min))
                  (plist-get (json-parse-buffer :object-type 'plist) :port))))
      (cons process (format "http://127.0.0.1:%d" port)))))

(ert-deftest datapipe-server-mode-share-pull-and-refused-push ()
  (datapipe-tests--with-world
    (let* ((server (datapipe-tests--start-server root))
           (url (cdr server)))
      (unwind-protect
          (progn
            ;; alice registers, switches to server mode, shares a pipe by email.
            (datapipe-tests--setup-profile root "alice")
            (datapipe-call "account.register" (list :username "alice" :email "alice@example.org"
                                                    :password "alice-pw-1" :server url))
            (should (equal (plist-get (datapipe-switch-mode "server") :mode) "server"))
            (should (equal (car datapipe-tests--messages)
                           (format "datapipe: server mode on %s as alice" url)))
            ;; The local pipe stays local: the server has none until alice makes it.
            (should (equal (datapipe-list-pipes) nil))
            (datapipe-call "pipes.upsert"
                           (list :settings (list :name "team" :protocol "file"
                                                 :options (list :remotepath (concat root "shared")))))
            (datapipe-tests--write (concat root "alice/team/t.csv") "id,v\n")
            (should (equal (plist-get (datapipe-push "team") :files) ["t.csv"]))
            (datapipe-call "permissions.set" (list :pipe "team" :email "bob@example.org" :role "read"))

            ;; bob registers later, finds the pipe, pulls it, and may not push.
            (datapipe-tests--setup-profile root "bob")
            (datapipe-call "account.register" (list :username "bob" :email "bob@example.org"
                                                    :password "bob-pw-1" :server url))
            (datapipe-switch-mode "server")
            (should (equal (datapipe-list-pipes) '("team")))
            (should (equal (plist-get (datapipe-pull "team") :files) ["t.csv"]))
            (should (equal (datapipe-tests--read (concat root "bob/team/t.csv")) "id,v\n"))
            (datapipe-tests--write (concat root "bob/team/t.csv") "id,v,w\n")
            (should-not (datapipe-push "team"))
            (should (string-match-p "\\`datapipe: pipe.push: .*(PermissionDenied)\\'" (car datapipe-tests--messages)))
            (should (equal (datapipe-tests--read (concat root "shared/t.csv")) "id,v\n"))

            ;; Logging in: a wrong password is a message naming the error, never the password.
            (should-not (datapipe-login "bob" "not-bobs-password"))
            (should (string-match-p "\\`datapipe: account.login: " (car datapipe-tests--messages)))
            (should-not (cl-some (lambda (m) (string-match-p "not-bobs-password" m)) datapipe-tests--messages))
            (should (equal (plist-get (datapipe-login "bob" "bob-pw-1") :username) "bob"))
            (should (equal (car datapipe-tests--messages) (format "datapipe: logged in as bob on %s" url)))

            ;; Back to local mode: the local pipe demo again.
            (should (equal (plist-get (datapipe-switch-mode "local") :mode) "local"))
            (should (equal (car datapipe-tests--messages) "datapipe: local mode"))
            (should (equal (datapipe-list-pipes) '("demo"))))
        (delete-process (car server))))))

(provide 'datapipe-tests)
;;; datapipe-tests.el ends here
