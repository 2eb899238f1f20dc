import { render } from 'preact';
import { App } from './app.js';
// In this order: later files build on earlier ones, and phones.css overrides the rest on narrow screens.
import './style/base.css';
import './style/status.css';
import './style/tables.css';
import './style/detail.css';
import './style/dag.css';
import './style/phones.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
