//! The HTTP suite, through the router (`oneshot`, no socket), on both engines.

mod app;
mod auth;
mod pages;
