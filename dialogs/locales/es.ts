// Copia en español (neutro, para Latinoamérica y España). Mismas claves que en.ts.
import type { MessageKey } from './en.js';

export const es: Record<MessageKey, string> = {
  welcome:
    '¡Hola! Soy el asistente de {brand}. Puedo ayudarte a entrar de nuevo a tu cuenta si olvidaste tu contraseña y responder dudas sobre códigos y seguridad. ¿Qué necesitas?',
  ask_identifier: 'Claro, vamos a recuperar tu acceso. ¿Cuál es el correo electrónico o el número de teléfono de tu cuenta de {brand}?',
  ask_channel:
    '¿Dónde te envío un código de un solo uso? El correo es la opción más segura; el mensaje de texto (SMS) es el canal más débil, así que úsalo solo si no puedes entrar a tu correo.',
  code_sent_email:
    'Si ese dato pertenece a una cuenta de {brand}, va en camino un código de {digits} dígitos al correo de la cuenta. Vale por {minutes} minutos.',
  code_sent_alt_email:
    'Si ese dato pertenece a una cuenta de {brand} con correo alternativo, va en camino allí un código de {digits} dígitos. Vale por {minutes} minutos.',
  code_sent_sms:
    'Si ese dato pertenece a una cuenta de {brand} con un teléfono verificado, va en camino por mensaje de texto un código de {digits} dígitos. Vale por {minutes} minutos.',
  ask_code: 'Escribe aquí el código cuando llegue. No se lo compartas a nadie, ni siquiera al personal de {brand}.',
  resending: 'De acuerdo, pedí un código nuevo. Usa el código más reciente que recibas.',
  code_not_received:
    'Los códigos suelen llegar en menos de un minuto. Revisa la carpeta de spam o correo no deseado y cualquier otra bandeja que uses. Puedo enviarte un código nuevo, probar otro canal o comunicarte con una persona.',
  nudge_code: '¿No te llegó el código? Puedo reenviarlo, usar otro canal o comunicarte con una persona.',
  delivery_trouble_email:
    'Los correos parecen estar llegando con retraso en este momento. Si tu código no ha llegado, puedes recibir uno por otra vía o hablar con una persona.',
  delivery_trouble_sms:
    'Los mensajes de texto parecen estar llegando con retraso en este momento. Si tu código no ha llegado, puedes recibir uno por otra vía o hablar con una persona.',
  code_verified: 'Gracias, el código es correcto.',
  code_wrong: 'Ese código no coincide. Revísalo y escríbelo de nuevo, o pide uno nuevo.',
  code_expired: 'Ese código ya venció. Pídeme uno nuevo y úsalo antes de {minutes} minutos.',
  code_exhausted: 'Ese código se intentó demasiadas veces y ya no funciona. Pídeme uno nuevo.',
  code_wait:
    'Por tu seguridad, tras varios códigos incorrectos espero un poco más cada vez. Vuelve a intentarlo en {seconds} segundos; no comprobé lo que acabas de escribir.',
  ask_second_factor:
    'Tu cuenta tiene verificación en dos pasos. Escribe el código de 6 dígitos de tu app de autenticación o usa uno de tus códigos de recuperación.',
  ask_recovery_code: 'Escribe uno de tus códigos de recuperación. Cada uno funciona una sola vez.',
  second_factor_wrong: 'Ese código no es correcto. Prueba con el código actual de tu app de autenticación o con un código de recuperación.',
  lost_2fa:
    'Si no puedes usar tu app de autenticación, también sirve un código de recuperación (los recibiste al activar la verificación en dos pasos). Sin ninguno de los dos, una persona tiene que comprobar que eres tú.',
  reset_link:
    'Listo, verificamos tu identidad. Abre este enlace privado para elegir una contraseña nueva. Funciona una sola vez y durante {minutes} minutos: {url}',
  link_pending:
    'Tu enlace para restablecer la contraseña está arriba. Si venció o no funciona, puedo crear otro o comunicarte con una persona.',
  link_failed: 'No pude crear tu enlace en este momento. Inténtalo de nuevo en un momento o habla con una persona.',
  reset_done:
    'Listo: cambiamos tu contraseña y cerramos todas las demás sesiones. Inicia sesión de nuevo con la contraseña nueva. Si no fuiste tú, escríbenos de inmediato.',
  welcome_prompt: 'Puedo ayudarte a entrar de nuevo a tu cuenta o comunicarte con una persona. ¿Qué necesitas?',
  identifier_format_hint:
    'Eso no parece un correo ni un número de teléfono. Revísalo, y escribe los teléfonos con su código de país, por ejemplo +34 600 111 222.',
  help:
    'Te ayudo a restablecer una contraseña olvidada de {brand}: envío un código de un solo uso a tu correo o teléfono, lo compruebo (y tu app de autenticación si la usas) y te doy un enlace privado para elegir una contraseña nueva. Nunca te pido tu contraseña aquí. Puedes decir “empezar de nuevo”, “cancelar”, “hablar con una persona” o “English” cuando quieras.',
  starting_over: 'Empecemos de nuevo.',
  cancelled: 'Sin problema, lo cancelé. Escríbeme cuando necesites ayuda.',
  language_switched: 'Claro, seguimos en español.',
  not_understood: 'Perdona, no entendí.',
  password_in_chat:
    'Por favor no escribas contraseñas aquí: nunca necesito tu contraseña y no guardé lo que escribiste. Elegirás una nueva en una página segura.',
  service_error: 'Algo falló de nuestro lado. Inténtalo de nuevo en un momento.',
  send_failed: 'No pude enviar el código en este momento. Elige un canal otra vez, por favor.',
  timed_out: 'Pasó un buen rato desde tu último mensaje, así que por seguridad empecé de nuevo.',
  locked_out:
    'Por tu seguridad, la recuperación automática de esta cuenta está en pausa por un tiempo tras demasiados intentos. Tu inicio de sesión normal no se ve afectado. Una persona puede ayudarte ahora.',
  handoff_started:
    'Te comunico con una persona del equipo de soporte de {brand}. Quédate en este chat; verá lo que hicimos hasta ahora.',
  handoff_waiting: 'Sigues en la fila para hablar con una persona. Puedes cancelar para volver al asistente.',
  handoff_cancelled: 'De acuerdo, volviste con el asistente.',
  handoff_ended: 'El agente cerró la conversación. Aquí sigo si necesitas algo más.',
  // Identificación del titular antes de pasar con una persona: el agente solo sabe si coinciden, nunca las respuestas.
  ask_card_last4:
    'Antes de comunicarte con una persona, un par de preguntas rápidas le ayudan a ver que la cuenta es tuya. ¿Cuáles son los últimos cuatro dígitos de la tarjeta registrada? Solo los cuatro últimos, nunca el número completo.',
  card_last4_hint: 'Solo los últimos cuatro dígitos de la tarjeta, como 1234, nunca el número completo. O elige Omitir.',
  ask_postal_code: '¿Y el código postal de facturación de esa tarjeta?',
  postal_code_hint: 'Eso no parece un código postal. Escríbelo como aparece en tu factura, como 28013 o SW1A 1AA, o elige Omitir.',
  ask_security_question_first_pet:
    '¿Cómo se llamaba tu primera mascota? Tu respuesta solo ayuda a la persona que te atenderá; por sí sola nunca restablece una contraseña.',
  ask_security_question_birth_city:
    '¿En qué ciudad naciste? Tu respuesta solo ayuda a la persona que te atenderá; por sí sola nunca restablece una contraseña.',
  ask_security_question_first_school:
    '¿Cómo se llamaba tu primera escuela? Tu respuesta solo ayuda a la persona que te atenderá; por sí sola nunca restablece una contraseña.',
  owner_check_help:
    'Estas preguntas ayudan a la persona que te atenderá a ver que la cuenta es tuya. No guardo tus respuestas y nadie las lee: solo sabrá si coinciden. Puedes omitir cualquier pregunta, o elegir Hablar con una persona para ir directamente.',
  handoff_queue_estimate:
    'Eres el número {position} en la fila. Últimamente, la espera para hablar con una persona fue de unos {wait} minutos. Puedes cancelar en cualquier momento para volver al asistente.',
  handoff_queue_estimate_short:
    'Eres el número {position} en la fila. Últimamente, la espera para hablar con una persona fue de menos de un minuto. Puedes cancelar en cualquier momento para volver al asistente.',
  handoff_queue_no_estimate:
    'Eres el número {position} en la fila. Todavía no puedo estimar la espera. Puedes cancelar en cualquier momento para volver al asistente.',
  handoff_agent_joined: '{agent}, del equipo de soporte de {brand}, se unió al chat.',
  handoff_agent_message: '{agent}: {text}',
  handoff_accepted: 'Una persona del equipo de soporte de {brand} se unió al chat.',
  handoff_failed: 'Lo siento, ahora mismo no pude comunicarte con una persona. Elige Cancelar para volver al asistente, o inténtalo más tarde.',
  handoff_after_hours: 'Nuestro equipo de soporte no está disponible ahora. Su horario es {hours}.',
  handoff_ticket_filed:
    'Abrí un ticket de soporte con lo que hicimos hasta ahora (nunca tus códigos ni contraseñas). Si los datos que diste pertenecen a una cuenta de {brand}, el equipo te contactará por los datos de contacto de esa cuenta.',
  conversation_restarted: 'Actualizamos este asistente desde tu último mensaje, así que tuve que empezar la conversación de nuevo. Disculpa.',
  temporarily_unavailable: 'No estoy disponible por un momento. Inténtalo de nuevo en un rato; no se perdió nada de lo que hiciste.',
  turn_error: 'Perdona, algo falló de mi lado. Inténtalo de nuevo, por favor.',
  private_chat_only:
    '¡Hola! Solo puedo ayudarte con tu cuenta de {brand} en un chat privado conmigo, para que tus datos queden entre nosotros. Selecciona mi nombre y elige Chat para hablar a solas. Por favor, no publiques aquí correos, teléfonos ni códigos.',
  teams_app_name_full: 'Ayuda con tu cuenta de {brand}',
  teams_app_description_short: '¿Olvidaste tu clave de {brand}? Vuelve a entrar a tu cuenta.',
  teams_app_description_full:
    'El asistente de {brand} te ayuda a volver a entrar a tu cuenta cuando olvidas tu contraseña, en español o en inglés. Envía un código de un solo uso al correo o teléfono de tu cuenta, lo comprueba (y tu app de autenticación si usas una) y luego te da un enlace privado donde eliges una contraseña nueva. Nunca te pide tu contraseña en el chat. Por tu privacidad solo ayuda en un chat privado; en un canal o chat de grupo te indica cómo abrir uno.',
  faq_code_validity: 'Un código vale por {minutes} minutos y funciona una sola vez. Si pides uno nuevo, el anterior deja de servir.',
  faq_code_not_received:
    'Si el código no llega en un par de minutos: revisa spam o correo no deseado, confirma que diste el correo o el número de tu cuenta y luego pide un código nuevo o prueba otro canal.',
  faq_spam_folder:
    'Los códigos llegan de {brand}. Si no ves el correo, busca en spam, correo no deseado o promociones, y busca “{brand}”.',
  faq_nothing_works:
    'Si nada funciona, una persona de nuestro equipo de soporte puede verificar tu identidad de otra forma. Solo di “hablar con una persona”.',
  faq_forgot_login_email:
    '¿No sabes con qué correo te registraste? Prueba con el número de teléfono de tu cuenta o con cada correo que uses: respondo igual en todos los casos y el código solo llega si coincide con una cuenta. Si no funciona, una persona puede ayudarte.',
  faq_account_compromised:
    'Si alguien entró a tu cuenta, cambia tu contraseña ahora: eso cierra todas las demás sesiones. Después activa la verificación en dos pasos. Si no puedes entrar de ninguna forma, una persona puede ayudarte a proteger la cuenta.',
  faq_device_verification:
    'Si tu televisor u otro dispositivo te pide un código de verificación, {brand} lo envió al correo o teléfono de tu cuenta. Escríbelo solo en el dispositivo que estás configurando, nunca en un sitio web ni en un chat.',
  faq_phishing_report:
    '{brand} nunca te pide tu contraseña, tu tarjeta ni un código por correo, mensaje o chat. No abras enlaces de mensajes sospechosos; entra tú mismo a la app o al sitio. Si ya escribiste tu contraseña en algún lugar, cámbiala ahora.',
  faq_security_tips:
    'Para proteger tu cuenta: 1) usa una contraseña larga y única; 2) activa la verificación en dos pasos; 3) mantén al día tu correo y tu teléfono; 4) nunca compartas códigos; 5) cierra sesión en dispositivos que no usas; 6) desconfía de mensajes que piden tus datos.',
  faq_out_of_scope:
    'Solo puedo ayudarte a entrar a tu cuenta de {brand} y a mantenerla segura. Para todo lo demás, te ayudan nuestro centro de ayuda o una persona.',
  faq_lost_2fa:
    '¿Perdiste el teléfono con tu app de autenticación? Usa uno de tus códigos de recuperación. Si no los tienes, una persona de soporte tiene que verificar que eres tú.',
  faq_thanks: '¡Con gusto!',
  notify_code_subject: 'Tu código de verificación de {brand}',
  notify_code_email:
    'Tu código de verificación de {brand} es {code}. Vale por {minutes} minutos y funciona una sola vez.\n\nNo lo compartas: el personal de {brand} nunca te lo pedirá.\n\nSi no pediste este código, puedes ignorar este mensaje; tu contraseña no cambió. Si crees que alguien intenta entrar a tu cuenta, avísanos: {notMeUrl}',
  notify_code_sms: '{brand}: tu codigo es {code}. Vale {minutes} min. No lo compartas. Si no lo pediste, ignora este mensaje.',
  notify_reset_subject: 'Cambiamos la contraseña de tu cuenta de {brand}',
  notify_reset_email:
    'Se cambió la contraseña de tu cuenta de {brand} y se cerraron todas las sesiones.\n\nSi fuiste tú, no tienes que hacer nada más. Si no fuiste tú, protege tu cuenta ahora: {notMeUrl}',
  notify_reset_sms: '{brand}: se cambio la contraseña de tu cuenta. Si no fuiste tu: {notMeUrl}',
  notify_lockout_subject: 'Pausamos la recuperación de tu cuenta de {brand}',
  notify_lockout_email:
    'Vimos muchos códigos de verificación incorrectos para tu cuenta de {brand}, así que la recuperación automática de la contraseña está en pausa por un tiempo. Tu contraseña no cambió y puedes iniciar sesión normalmente.\n\nSi no fuiste tú, no tienes que hacer nada; si te preocupa, escríbenos: {notMeUrl}',
  notify_lockout_sms: '{brand}: hubo muchos codigos incorrectos; pausamos la recuperacion de tu cuenta. Tu contraseña no cambio. Info: {notMeUrl}',
  not_me_page:
    'Si no pediste un código ni cambiaste tu contraseña, puede que alguien intente entrar a tu cuenta. Cambia tu contraseña desde la app, activa la verificación en dos pasos y habla con nuestro equipo de soporte en el chat: pueden bloquear la cuenta y revisar la actividad reciente.',
  choice_recover: 'Olvidé mi contraseña',
  choice_agent: 'Hablar con una persona',
  choice_channel_email: 'Correo',
  choice_channel_alt_email: 'Correo alternativo',
  choice_channel_sms: 'Mensaje de texto (SMS)',
  choice_resend: 'Enviar un código nuevo',
  choice_switch_channel: 'Usar otro canal',
  choice_code_not_received: 'No me llegó',
  choice_use_recovery_code: 'Usar un código de recuperación',
  choice_lost_2fa: 'Perdí mi teléfono',
  choice_new_link: 'Enviar otro enlace',
  choice_start_over: 'Empezar de nuevo',
  choice_cancel: 'Cancelar',
  choice_skip: 'Omitir',
  choice_language_es: 'Español',
  choice_language_en: 'English',
};
