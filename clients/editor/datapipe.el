;;; datapipe.el --- Pull and push datapipe pipes from Emacs -*- lexical-binding: t; -*-

;; Package-Requires: ((emacs "28.1"))
;; Version: 0.1.0
;; Keywords: tools, data

;;; Commentary:

;; A client of the datapipe JSON-RPC bridge (`datapipe rpc') on Emacs's
;; built-in jsonrpc.el.  jsonrpc.el frames messages with a Content-Length
;; header only and sends no batches; the bridge detects that framing itself.
;;
;;   (require 'datapipe)
;;   M-x datapipe-list-pipes      the pipes of the profile
;;   M-x datapipe-pull-preview    what a pull would bring
;;   M-x datapipe-pull            pull a pipe
;;   M-x datapipe-push-preview    what a push would send
;;   M-x datapipe-push            push a pipe
;;   M-x datapipe-switch-profile  use another profile (session.configure)
;;   M-x datapipe-switch-mode     local or server mode (mode.switch)
;;   M-x datapipe-login           fetch your token from the repo server
;;   M-x datapipe-shutdown        stop the bridge
;;
;; Progress ($/progress) shows in the echo area; a failed call is shown as
;; a message naming the error's type (NotFound, Conflict, ...).  Lisp code
;; calls `datapipe-call', which signals `datapipe-error' instead.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'subr-x)

(defgroup datapipe nil
  "Client of the datapipe JSON-RPC bridge."
  :group 'tools)

(defcustom datapipe-program (or (getenv "DATAPIPE_BIN") "datapipe")
  "The datapipe binary: `datapipe rpc' is run from it."
  :type 'string)

(defcustom datapipe-config nil
  "Config file passed as --config; nil for the bridge's default."
  :type '(choice (const nil) file))

(defcustom datapipe-profile nil
  "Profile passed as --profile; nil for the bridge's default."
  :type '(choice (const nil) string))

(defcustom datapipe-request-timeout 3600
  "Seconds to wait for a reply (pulls and pushes of big files take long)."
  :type 'integer)

(define-error 'datapipe-error "datapipe error")

(defvar datapipe--connection nil
  "The running bridge connection, or nil.")

(defvar datapipe--process nil
  "The bridge process of `datapipe--connection'.")

(defvar datapipe-last-exit-status nil
  "The exit status of the last bridge `datapipe-shutdown' stopped.")

(defvar datapipe-last-progress nil
  "The last `$/progress' params received, as a plist.")

(defun datapipe--command ()
  "The command line of the bridge."
  (append (list datapipe-program "rpc")
          (and datapipe-config (list "--config" (expand-file-name datapipe-config)))
          (and datapipe-profile (list "--profile" datapipe-profile))))

(defun datapipe--on-notification (_connection method params)
  "Shows `$/progress' and `$/log' notifications (METHOD, PARAMS)."
  (pcase method
    ('$/progress
     (setq datapipe-last-progress params)
     (let ((message-log-max nil))
       (message "datapipe: %s: %s"
                (plist-get params :token)
                (or (plist-get params :message) (plist-get params :kind)))))
    ('$/log
     (message "datapipe %s: %s" (plist-get params :level) (plist-get params :message)))))

(defun datapipe-connection ()
  "The bridge connection, started when none is running."
  (unless (and datapipe--connection (jsonrpc-running-p datapipe--connection))
    (let ((command (datapipe--command)))
      (setq datapipe--connection
            (make-instance
             'jsonrpc-process-connection
             :name "datapipe"
             :notification-dispatcher #'datapipe--on-notification
             :events-buffer-scrollback-size 2000
             :process (lambda ()
                        (setq datapipe--process
                              (make-process
                               :name "datapipe" :command command
                               :connection-type 'pipe :coding 'utf-8-emacs-unix
                               :noquery t
                               :stderr (get-buffer-create "*datapipe stderr*"))))))))
  datapipe--connection)

(defun datapipe-shutdown ()
  "Stops the bridge: ends its input, so it finishes running calls and exits.
Waits up to 30 seconds, then kills it."
  (interactive)
  (when (and datapipe--connection (process-live-p datapipe--process))
    (let ((process datapipe--process))
      (process-send-eof process)
      (with-timeout (30 nil)
        (while (not (process-get process 'jsonrpc-sentinel-cleanup-started))
          (accept-process-output nil 0.1)))
      (jsonrpc-shutdown datapipe--connection)
      (setq datapipe-last-exit-status (process-exit-status process))))
  (setq datapipe--connection nil datapipe--process nil))

(defun datapipe--params (params label)
  "PARAMS (a plist) with LABEL as progress token; {} stays an object."
  (append params (list :progress_token label)))

(defun datapipe-call (method &optional params)
  "Calls METHOD (a string) with PARAMS (a plist, arrays as vectors).
Returns the result: objects as plists, arrays as vectors, false as
`:json-false', null as nil.  An error reply signals `datapipe-error'
with data (TYPE MESSAGE ERROR), TYPE being `data.type' (or the code)."
  (let ((label (format "%s%s" method
                       (if (plist-get params :pipe) (concat " " (plist-get params :pipe)) ""))))
    (condition-case err
        (jsonrpc-request (datapipe-connection) (intern method)
                         (datapipe--params params label)
                         :timeout datapipe-request-timeout)
      (jsonrpc-error
       (let* ((code (alist-get 'jsonrpc-error-code (cdr err)))
              (text (alist-get 'jsonrpc-error-message (cdr err)))
              (data (alist-get 'jsonrpc-error-data (cdr err)))
              (type (or (plist-get data :type) (and code (number-to-string code)) "Error")))
         (signal 'datapipe-error
                 (list type (format "datapipe: %s: %s (%s)" method text type)
                       (list :code code :message text :data data))))))))

(defmacro datapipe--reporting-errors (&rest body)
  "Runs BODY; a `datapipe-error' becomes a message and the value nil."
  (declare (indent 0) (debug t))
  `(condition-case err
       (progn ,@body)
     (datapipe-error (message "%s" (nth 2 err)) nil)))

(defun datapipe-pipes ()
  "The names of the profile's pipes."
  (append (datapipe-call "pipes.list" (list :names_only t)) nil))

(defun datapipe--read-pipe (prompt)
  "Reads a pipe name with PROMPT, completing from the profile's pipes."
  (completing-read prompt (datapipe--reporting-errors (datapipe-pipes))))

(defun datapipe--files-text (result)
  "\"N files, B bytes: a, b\" for a preview, pull or push RESULT."
  (let ((files (append (plist-get result :files) nil)))
    (format "%d file%s, %d bytes%s" (length files) (if (= (length files) 1) "" "s")
            (plist-get result :bytes)
            (if files (concat ": " (string-join files ", ")) ""))))

(defun datapipe-list-pipes ()
  "Shows the profile's pipes; returns their names."
  (interactive)
  (datapipe--reporting-errors
    (let ((pipes (datapipe-pipes)))
      (message "datapipe: pipes: %s" (if pipes (string-join pipes ", ") "none"))
      pipes)))

(defun datapipe--transfer (method verb pipe)
  "Runs METHOD on PIPE and reports VERB with the files; returns the result."
  (datapipe--reporting-errors
    (let ((result (datapipe-call method (list :pipe pipe))))
      (message "datapipe: %s %s: %s" verb pipe (datapipe--files-text result))
      result)))

(defun datapipe-pull-preview (pipe)
  "Shows what pulling PIPE would bring."
  (interactive (list (datapipe--read-pipe "Preview pull of pipe: ")))
  (datapipe--transfer "pipe.pull_preview" "pull would bring" pipe))

(defun datapipe-pull (pipe)
  "Pulls PIPE: brings what changed remotely."
  (interactive (list (datapipe--read-pipe "Pull pipe: ")))
  (datapipe--transfer "pipe.pull" "pulled" pipe))

(defun datapipe-push-preview (pipe)
  "Shows what pushing PIPE would send."
  (interactive (list (datapipe--read-pipe "Preview push of pipe: ")))
  (datapipe--transfer "pipe.push_preview" "push would send" pipe))

(defun datapipe-push (pipe)
  "Pushes PIPE: sends what changed locally."
  (interactive (list (datapipe--read-pipe "Push pipe: ")))
  (datapipe--transfer "pipe.push" "pushed" pipe))

(defun datapipe-switch-profile (profile)
  "Makes the running session use PROFILE (session.configure)."
  (interactive "sProfile: ")
  (datapipe--reporting-errors
    (let ((info (datapipe-call "session.configure" (list :profile profile))))
      (message "datapipe: profile %s, files in %s" (plist-get info :profile) (plist-get info :filerepo))
      info)))

;;; Server mode

(defun datapipe--read-mode ()
  "Reads a mode, and a server URL for server mode; returns (MODE SERVER)."
  (let ((mode (completing-read "Mode: " '("local" "server") nil t)))
    (list mode (and (equal mode "server")
                    (let ((url (read-string "Server URL (empty: the profile's): ")))
                      (unless (string-empty-p url) url))))))

(defun datapipe-switch-mode (mode &optional server)
  "Moves the profile to MODE, \"local\" or \"server\" (mode.switch).
SERVER is the repo server's URL; nil keeps the profile's."
  (interactive (datapipe--read-mode))
  (datapipe--reporting-errors
    (let ((result (datapipe-call "mode.switch"
                                 (append (list :mode mode) (and server (list :server server))))))
      (message "datapipe: %s mode%s" (plist-get result :mode)
               (if (equal (plist-get result :mode) "server")
                   (format " on %s as %s" (plist-get result :server)
                           (or (plist-get result :username) "nobody"))
                 ""))
      result)))

(defun datapipe-login (username password &optional server)
  "Fetches USERNAME's token from the repo server with PASSWORD (account.login).
SERVER is the repo server's URL; nil for the profile's.  The password is
read without echo and never shown."
  (interactive (list (read-string "Username: ") (read-passwd "Password: ")))
  (datapipe--reporting-errors
    (let ((result (datapipe-call "account.login"
                                 (append (list :username username :password password)
                                         (and server (list :server server))))))
      (message "datapipe: logged in as %s on %s" (plist-get result :username) (plist-get result :server))
      result)))

(provide 'datapipe)
;;; datapipe.el ends here
