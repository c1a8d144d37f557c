import { createApp } from 'vue';
import 'element-plus/es/components/message/style/css';
import '@shared/base.css';
import App from './App.vue';

createApp(App).mount('#app');
