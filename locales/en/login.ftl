login-title = Sign in
login-failed = Invalid username or password.
login-username = Username
login-password = Password
login-submit = Sign in
